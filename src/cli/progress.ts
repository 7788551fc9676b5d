import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  tick(bytes: number, total: number): void;
  stop(): void;
}

const MIB = 1024 * 1024;

/** A progress bar on stderr when a person is watching and the file is large enough to wait for. */
export function progressBar(label: string): Progress {
  if (!process.stderr.isTTY) return { tick: () => undefined, stop: () => undefined };
  let bar: SingleBar | undefined;
  let done = 0;
  const start = Date.now();
  const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
  return {
    tick: (bytes, total) => {
      if (!bar) {
        if (total < MIB) return;
        bar = new SingleBar(
          {
            format: `${label} [{bar}] {percentage}% | {value}/{total} MiB | {speed} MiB/s | ETA {eta}s`,
            stream: process.stderr,
            hideCursor: true,
          },
          Presets.shades_classic,
        );
        bar.start(mib(total), 0, { speed: 0 });
      }
      done += bytes;
      const seconds = Math.max((Date.now() - start) / 1000, 0.001);
      bar.update(mib(done), { speed: Math.round(mib(done) / seconds) });
    },
    stop: () => bar?.stop(),
  };
}
