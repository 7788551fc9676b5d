import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FsOp } from './syscall-trace';

/**
 * What a crash after a prefix of a program's file-system calls leaves on disk, under three models, in the
 * manner of ALICE (OSDI 2014):
 * - `process`: the process dies, the machine does not; every call made is there (the page cache stays).
 * - `data-lost`: power is cut; bytes written to a file since its last fsync/fdatasync are gone (the file
 *   has what it had at that sync), while creations, renames and removals all happened, in order.
 * - `data-and-entries-lost`: as `data-lost`, and a creation, rename or removal in a directory that was not
 *   fsynced after it did not happen either (strict POSIX: only a directory fsync makes an entry durable).
 * Calls before `durableUntil` (the program starting up) count as durable in every model.
 */
export type CrashModel = 'process' | 'data-lost' | 'data-and-entries-lost';

export const CRASH_MODELS: readonly CrashModel[] = ['process', 'data-lost', 'data-and-entries-lost'];

/** A folder's contents: a file's bytes, or 'dir'. */
export type Tree = Map<string, Buffer | 'dir'>;

interface Inode {
  readonly dir: boolean;
  data: Buffer;
  /** The bytes as of the last sync (all of them for a durable call). */
  synced: Buffer;
}

/** A change of names: made again, in order, on the names a power cut leaves if its directory was synced. */
interface EntryChange {
  readonly directories: readonly string[];
  readonly apply: (names: Map<string, number>) => void;
  persisted: boolean;
}

export function readTree(root: string): Tree {
  const tree: Tree = new Map([[root, 'dir']]);
  for (const relative of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const path = join(root, relative);
    tree.set(path, statSync(path).isDirectory() ? 'dir' : readFileSync(path));
  }
  return tree;
}

/** Writes `tree` (whose paths lie under `from`) under `to`; SQLite's shared-memory files are left out. */
export function writeTree(tree: Tree, from: string, to: string): void {
  const paths = [...tree.keys()].sort();
  for (const path of paths) {
    const target = join(to, path.slice(from.length));
    const content = tree.get(path)!;
    if (content === 'dir') mkdirSync(target, { recursive: true });
    else if (!path.endsWith('-shm')) writeFileSync(target, content);
  }
}

export function crashState(
  before: Tree,
  ops: readonly FsOp[],
  durableUntil: number,
  upTo: number,
  model: CrashModel,
): Tree {
  const inodes: Inode[] = [];
  const names = new Map<string, number>();
  const initial = new Map<string, number>();
  const make = (dir: boolean, data: Buffer = Buffer.alloc(0)) => inodes.push({ dir, data, synced: data }) - 1;
  for (const [path, content] of before) {
    const id = content === 'dir' ? make(true) : make(false, content);
    names.set(path, id);
    initial.set(path, id);
  }
  const changes: EntryChange[] = [];
  const change = (durable: boolean, directories: string[], apply: (names: Map<string, number>) => void) => {
    apply(names);
    changes.push({ directories, apply, persisted: durable });
  };
  for (const [index, op] of ops.slice(0, upTo).entries()) {
    const durable = index < durableUntil;
    const settle = (inode: Inode) => {
      if (durable) inode.synced = inode.data;
    };
    switch (op.kind) {
      case 'open': {
        if (!names.has(op.path) && op.create) {
          const id = make(false);
          change(durable, [dirname(op.path)], (tree) => tree.set(op.path, id));
        }
        const inode = inodes[names.get(op.path) ?? -1];
        if (inode && op.truncate) {
          inode.data = Buffer.alloc(0);
          settle(inode);
        }
        break;
      }
      case 'write': {
        const inode = inodes[names.get(op.path) ?? -1];
        if (!inode) break;
        const offset = op.offset < 0 ? inode.data.length : op.offset;
        const grown = Buffer.alloc(Math.max(inode.data.length, offset + op.data.length));
        inode.data.copy(grown);
        op.data.copy(grown, offset);
        inode.data = grown;
        settle(inode);
        break;
      }
      case 'truncate': {
        const inode = inodes[names.get(op.path) ?? -1];
        if (!inode) break;
        const resized = Buffer.alloc(op.size);
        inode.data.copy(resized, 0, 0, Math.min(op.size, inode.data.length));
        inode.data = resized;
        settle(inode);
        break;
      }
      case 'mkdir':
        if (!names.has(op.path)) {
          const id = make(true);
          change(durable, [dirname(op.path)], (tree) => tree.set(op.path, id));
        }
        break;
      case 'rename': {
        const id = names.get(op.from);
        if (id === undefined) break;
        change(durable, [dirname(op.from), dirname(op.to)], (tree) => {
          tree.delete(op.from);
          tree.set(op.to, id);
        });
        break;
      }
      case 'unlink':
        change(durable, [dirname(op.path)], (tree) => {
          for (const path of [...tree.keys()]) {
            if (path === op.path || path.startsWith(`${op.path}/`)) tree.delete(path);
          }
        });
        break;
      case 'sync': {
        const inode = inodes[names.get(op.path) ?? -1];
        if (!inode) break;
        inode.synced = inode.data;
        // A directory's fsync makes every change of its entries so far durable.
        if (inode.dir)
          for (const entry of changes) if (entry.directories.includes(op.path)) entry.persisted = true;
        break;
      }
      case 'marker':
        break;
    }
  }
  let finalNames = names;
  if (model === 'data-and-entries-lost') {
    finalNames = new Map(initial);
    for (const entry of changes) if (entry.persisted) entry.apply(finalNames);
  }
  const root = [...before.keys()][0];
  const tree: Tree = new Map();
  for (const path of [...finalNames.keys()].sort((a, b) => a.length - b.length)) {
    // An entry in a directory that is not there (its own creation was lost) cannot be reached.
    if (path !== root && !tree.has(dirname(path))) continue;
    const inode = inodes[finalNames.get(path)!];
    tree.set(path, inode.dir ? 'dir' : model === 'process' ? inode.data : inode.synced);
  }
  return tree;
}
