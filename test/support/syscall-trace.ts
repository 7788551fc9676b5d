import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The file-system calls a process made under a folder, in the order they completed, read from an
 * `strace -f -xx -y` trace: what the crash-point test replays, prefix by prefix, to build the states a
 * crash at each point could leave behind.
 */
export type FsOp =
  | { readonly kind: 'write'; readonly path: string; readonly offset: number; readonly data: Buffer }
  | { readonly kind: 'truncate'; readonly path: string; readonly size: number }
  /** An open with O_CREAT (the file appears if missing) or O_TRUNC (it is emptied). */
  | { readonly kind: 'open'; readonly path: string; readonly create: boolean; readonly truncate: boolean }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string }
  | { readonly kind: 'unlink'; readonly path: string }
  | { readonly kind: 'mkdir'; readonly path: string }
  /** fsync or fdatasync, of a file or of a directory. */
  | { readonly kind: 'sync'; readonly path: string }
  /** A stat of /ferry-crash-marker/<label>: where the traced program says it is. */
  | { readonly kind: 'marker'; readonly label: string };

const TRACED = [
  'openat',
  'write',
  'pwrite64',
  'writev',
  'pwritev',
  'pwritev2',
  'fsync',
  'fdatasync',
  'rename',
  'renameat',
  'renameat2',
  'unlink',
  'unlinkat',
  'rmdir',
  'ftruncate',
  'mkdir',
  'mkdirat',
  'lseek',
  'statx',
  'newfstatat',
];

const MARKER = '/ferry-crash-marker/';

export function straceAvailable(): boolean {
  return spawnSync('strace', ['-qq', '-e', 'trace=none', 'true']).status === 0;
}

/** Runs `command` under strace and returns the calls it made under `root`. */
export function traceFileSystemCalls(
  command: string,
  args: readonly string[],
  root: string,
  traceFile: string,
): FsOp[] {
  const run = spawnSync(
    'strace',
    [
      '-f',
      '-qq',
      '-xx',
      '-y',
      '-s',
      String(64 * 1024 * 1024),
      '-e',
      `trace=${TRACED.join(',')}`,
      '-o',
      traceFile,
      command,
      ...args,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0) throw new Error(`the traced program failed (${run.status}): ${run.stderr}`);
  return parseTrace(readFileSync(traceFile, 'latin1'), root);
}

/** `\x2f\x74...` as bytes (-xx escapes every byte of every string and path). */
function unescape(text: string): Buffer {
  return Buffer.from(text.replace(/\\x/g, ''), 'hex');
}

const ESCAPED = '((?:\\\\x[0-9a-f]{2})*)';
const FD = new RegExp(`^(\\d+)<${ESCAPED}>`);
const STRING = new RegExp(`"${ESCAPED}"`, 'g');
const ANNOTATION = new RegExp(`<${ESCAPED}>`, 'g');
const RESULT = new RegExp(`^(-?\\d+)(?:<${ESCAPED}>)?`);

interface Call {
  readonly name: string;
  readonly args: string;
  readonly result: string;
}

/** Joins the halves strace splits when threads interleave (`<unfinished ...>` ... `<... x resumed>`). */
function calls(trace: string): Call[] {
  const pending = new Map<string, string>();
  const complete: Call[] = [];
  for (const line of trace.split('\n')) {
    const match = /^(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, pid, rest] = match;
    if (rest.endsWith('<unfinished ...>')) {
      pending.set(pid, rest.slice(0, -'<unfinished ...>'.length));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    const text = resumed ? `${pending.get(pid) ?? ''}${resumed[1]}` : rest;
    if (resumed) pending.delete(pid);
    const call = /^(\w+)\((.*)\)\s+=\s+(.*)$/.exec(text);
    if (call) complete.push({ name: call[1], args: call[2], result: call[3] });
  }
  return complete;
}

export function parseTrace(trace: string, root: string): FsOp[] {
  const ops: FsOp[] = [];
  /** Where a plain write or writev to each descriptor goes next. */
  const positions = new Map<number, { path: string; position: number; append: boolean }>();
  const under = (path: string) => path === root || path.startsWith(`${root}/`);
  for (const { name, args, result } of calls(trace)) {
    const returned = RESULT.exec(result);
    if (!returned || Number(returned[1]) < 0) {
      const marker = (name === 'statx' || name === 'newfstatat') && strings(args)[0]?.startsWith(MARKER);
      if (marker) ops.push({ kind: 'marker', label: strings(args)[0].slice(MARKER.length) });
      continue;
    }
    const value = Number(returned[1]);
    const fd = FD.exec(args);
    const fdPath = fd ? unescape(fd[2]).toString('utf8') : undefined;
    switch (name) {
      case 'openat': {
        const path = returned[2] === undefined ? strings(args)[0] : unescape(returned[2]).toString('utf8');
        positions.set(value, { path, position: 0, append: args.includes('O_APPEND') });
        const create = args.includes('O_CREAT');
        const truncate = args.includes('O_TRUNC');
        if (under(path) && (create || truncate)) ops.push({ kind: 'open', path, create, truncate });
        break;
      }
      case 'lseek': {
        const open = positions.get(Number(fd?.[1]));
        if (open) open.position = value;
        break;
      }
      case 'write':
      case 'writev': {
        const open = positions.get(Number(fd?.[1]));
        const data = Buffer.concat(strings(args).map((text) => Buffer.from(text, 'latin1'))).subarray(
          0,
          value,
        );
        if (open && under(open.path)) {
          ops.push({ kind: 'write', path: open.path, offset: open.append ? -1 : open.position, data });
        }
        if (open) open.position += value;
        break;
      }
      case 'pwrite64':
      case 'pwritev':
      case 'pwritev2': {
        if (!fdPath || !under(fdPath)) break;
        const numbers =
          args
            .replace(STRING, '')
            .replace(ANNOTATION, '')
            .match(/\b\d+\b/g) ?? [];
        const offset = Number(numbers[name === 'pwritev2' ? numbers.length - 2 : numbers.length - 1]);
        const data = Buffer.concat(strings(args).map((text) => Buffer.from(text, 'latin1'))).subarray(
          0,
          value,
        );
        ops.push({ kind: 'write', path: fdPath, offset, data });
        break;
      }
      case 'ftruncate':
        if (fdPath && under(fdPath))
          ops.push({ kind: 'truncate', path: fdPath, size: Number(args.split(',').pop()) });
        break;
      case 'fsync':
      case 'fdatasync':
        if (fdPath && under(fdPath)) ops.push({ kind: 'sync', path: fdPath });
        break;
      case 'rename':
      case 'renameat':
      case 'renameat2': {
        const [from, to] = strings(args);
        if (under(from) || under(to)) ops.push({ kind: 'rename', from, to });
        break;
      }
      case 'unlink':
      case 'unlinkat':
      case 'rmdir': {
        const [path] = strings(args);
        if (under(path)) ops.push({ kind: 'unlink', path });
        break;
      }
      case 'mkdir':
      case 'mkdirat': {
        const [path] = strings(args);
        if (under(path)) ops.push({ kind: 'mkdir', path });
        break;
      }
    }
  }
  return ops;
}

/** The quoted strings of a call's arguments, as latin1 text of their bytes (paths are ASCII here). */
function strings(args: string): string[] {
  return [...args.matchAll(STRING)].map((match) => unescape(match[1]).toString('latin1'));
}
