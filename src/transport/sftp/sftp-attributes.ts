import { Attributes, FileEntry } from 'ssh2';
import { ErrorCode } from '../../domain/errors';
import { FileVersion } from '../../domain/file-versions';

/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02 section 7). */
export const STATUS = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  OP_UNSUPPORTED: 8,
} as const;

export type StatusCode = (typeof STATUS)[keyof typeof STATUS];

/** A reply that is a status: the code, and the message OpenSSH shows with it (`-v`) or logs. */
export interface Status {
  readonly code: StatusCode;
  readonly message: string;
}

export const FILE_MODE = 0o100644;
export const FOLDER_MODE = 0o040755;

/** The status a refusal of a use case becomes; the message keeps Ferry's code so logs can tell them apart. */
export function statusOf(error: { readonly code: ErrorCode; readonly message: string }): Status {
  const message = `${error.code}: ${error.message}`;
  switch (error.code) {
    case 'NOT_FOUND':
      return { code: STATUS.NO_SUCH_FILE, message };
    case 'FORBIDDEN':
    case 'UNAUTHENTICATED':
      return { code: STATUS.PERMISSION_DENIED, message };
    default:
      return { code: STATUS.FAILURE, message };
  }
}

function seconds(at: string): number {
  return Math.floor(Date.parse(at) / 1000);
}

export function fileAttributes(file: Pick<FileVersion, 'size' | 'at'>): Attributes {
  const time = seconds(file.at);
  return { mode: FILE_MODE, uid: 0, gid: 0, size: file.size, atime: time, mtime: time };
}

/** Folders exist only as prefixes of names: they have no time of their own. */
export function folderAttributes(): Attributes {
  return { mode: FOLDER_MODE, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `ls -l` style, in UTC: `Nov 29 19:55` this year, `Nov 29  2025` before. */
function lsTime(epochSeconds: number, now: Date): string {
  const date = new Date(epochSeconds * 1000);
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const when =
    date.getUTCFullYear() === now.getUTCFullYear()
      ? `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`
      : ` ${date.getUTCFullYear()}`;
  return `${MONTHS[date.getUTCMonth()]} ${day} ${when}`;
}

/** A READDIR entry: OpenSSH's `ls -l` prints `longname` as it comes; the owner is who wrote the version. */
export function fileEntry(basename: string, file: FileVersion, now: Date): FileEntry {
  const attrs = fileAttributes(file);
  const owner = file.actor.padEnd(8);
  const longname = `-rw-r--r--    1 ${owner} ferry    ${String(file.size).padStart(12)} ${lsTime(attrs.mtime, now)} ${basename}`;
  return { filename: basename, longname, attrs };
}

export function folderEntry(basename: string): FileEntry {
  const longname = `drwxr-xr-x    1 ferry    ferry    ${'0'.padStart(12)} ${lsTime(0, new Date(0))} ${basename}`;
  return { filename: basename, longname, attrs: folderAttributes() };
}
