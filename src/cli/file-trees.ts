import { Dirent, lstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** A regular file of a tree, with its path relative to the root in `/` form; or what could not be sent. */
export type TreeEntry =
  | { readonly relative: string; readonly path: string; readonly size: number }
  | { readonly relative: string; readonly problem: string };

/**
 * The regular files under `root`, depth first, each folder's entries in name order, so two walks of an
 * unchanged tree give the same order. Symbolic links and special files are not followed or sent, but
 * reported, so nothing is skipped silently. Reads one folder listing at a time.
 */
export async function* walkTree(root: string, relative = ''): AsyncIterable<TreeEntry> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(root, relative), { withFileTypes: true });
  } catch (error) {
    yield { relative: relative || '.', problem: `cannot read the folder: ${(error as Error).message}` };
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) yield* walkTree(root, child);
    else if (entry.isFile()) {
      const path = join(root, child);
      // Blocking, as readWholeFile reads: a thread-pool trip per file would cost more than the call.
      yield { relative: child, path, size: lstatSync(path).size };
    } else {
      const kind = entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
      yield { relative: child, problem: `${kind}: not sent` };
    }
  }
}
