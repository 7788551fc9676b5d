import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * The files of a tree that recursive SFTP clients must carry both ways: folders three deep, names with
 * spaces and non-ASCII UTF-8, and one file bigger than an SFTP read or write (32 KiB) so it takes many.
 */
export const TREE_FILES: ReadonlyMap<string, number> = new Map([
  ['top.txt', 1_000],
  ['with spaces/report 2026.bin', 300_000],
  ['nested/Grüße – 日本語.txt', 5_000],
  ['nested/deeper/deepest/data.bin', 70_000],
]);

/** When the tree's files were last changed: long before any upload, as for files synced in real use. */
export const TREE_MTIME = new Date('2025-06-01T08:00:00Z');

/** Writes TREE_FILES with random bytes under `root`, each last changed at TREE_MTIME. */
export function writeTree(root: string): void {
  for (const [path, size] of TREE_FILES) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), randomBytes(size));
    utimesSync(join(root, path), TREE_MTIME, TREE_MTIME);
  }
}

/** Every file under `root`, as paths relative to it, sorted. */
export function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

/** `cmp` of one file in two trees: its exit code (0: the same bytes) and what it said. */
export function cmpFile(path: string, left: string, right: string): { code: number | null; said: string } {
  const run = spawnSync('cmp', [join(left, path), join(right, path)]);
  return { code: run.status, said: `${run.stdout.toString()}${run.stderr.toString()}` };
}
