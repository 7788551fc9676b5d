import { Presets, SingleBar } from 'cli-progress';
import { formatBytes } from './format';

export type FileProgress = (position: number, size?: number) => void;

/** What a transfer tells about itself as it goes: for a person watching, or for nobody. */
export interface Progress {
  /** Whether anybody sees it: work done only to feed it (counting a tree first) can be skipped if not. */
  readonly visible: boolean;
  /** More work became known: bytes and files to move. */
  grow(bytes: number, files?: number): void;
  /**
   * One file's progress by position: bytes moved so far, the part a resumed attempt found moved already
   * included; an attempt that starts lower takes back what the one before counted. A file not counted in
   * by `grow` is, the first time its size is given.
   */
  file(counted?: boolean): FileProgress;
  /** One file done, whichever way it ended. */
  fileDone(): void;
  stop(): void;
}

const SILENT: Progress = {
  visible: false,
  grow: () => undefined,
  file: () => () => undefined,
  fileDone: () => undefined,
  stop: () => undefined,
};

/** Transfers shorter than this are not worth a bar. */
const SHOW_FROM_BYTES = 1024 * 1024;

/**
 * One bar on stderr for a whole transfer, one file or many: bytes, rate and ETA, and files when there are
 * several. Silent when stderr is not a terminal or the user asked for quiet.
 */
export function progressBar(label: string, quiet = false): Progress {
  if (quiet || !process.stderr.isTTY) return SILENT;
  let bar: SingleBar | undefined;
  let totalBytes = 0;
  let totalFiles = 0;
  let doneBytes = 0;
  let doneFiles = 0;
  const start = Date.now();
  const payload = () => {
    const seconds = Math.max((Date.now() - start) / 1000, 0.001);
    const files = totalFiles > 1 ? ` | ${doneFiles}/${totalFiles} files` : '';
    return {
      moved: formatBytes(doneBytes),
      whole: formatBytes(totalBytes),
      rate: formatBytes(doneBytes / seconds),
      files,
    };
  };
  const show = () => {
    if (!bar && totalBytes >= SHOW_FROM_BYTES) {
      bar = new SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {moved}/{whole} | {rate}/s | ETA {eta_formatted}{files}`,
          stream: process.stderr,
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      bar.start(totalBytes, doneBytes, payload());
    }
    if (!bar) return;
    bar.setTotal(totalBytes);
    bar.update(doneBytes, payload());
  };
  return {
    visible: true,
    grow: (bytes, files = 0) => {
      totalBytes += bytes;
      totalFiles += files;
      show();
    },
    file: (counted = false) => {
      let sized = counted;
      let reported = 0;
      return (position, size) => {
        if (!sized && size !== undefined) {
          sized = true;
          totalBytes += size;
          totalFiles += 1;
        }
        doneBytes += position - reported;
        reported = position;
        show();
      };
    },
    fileDone: () => {
      doneFiles++;
      show();
    },
    stop: () => bar?.stop(),
  };
}
