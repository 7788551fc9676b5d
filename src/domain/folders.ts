import { fail, ok, Result } from './errors';
import { EventPayloads } from './events';
import { parseFileName } from './names';
import { CatalogueReader } from './ports/catalogue-store.port';

/**
 * Names are `/`-separated keys; a folder is a prefix that ends with `/`. A folder exists while some live
 * name lies under it (implicitly), or while it was made explicitly (MKDIR: `FolderCreated`) and not
 * removed since: that is how an empty folder exists at all.
 */
export type FolderPath = string & { readonly __brand: 'FolderPath' };

/** A folder path is a valid name followed by `/`; the `/` may be left out. */
export function parseFolderPath(raw: string): Result<FolderPath> {
  const bare = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  const name = parseFileName(bare);
  if (!name.ok) return name;
  return ok(`${name.value}/` as FolderPath);
}

/** Whether the folder exists: made explicitly, or holding a live name. */
export function folderExists(catalogue: CatalogueReader, path: string): boolean {
  return catalogue.explicitFolder(path) || catalogue.hasLiveUnder(path);
}

/** MKDIR: refused if the folder exists already, or a live file has its name without the `/`. */
export function decideCreateFolder(
  path: FolderPath,
  catalogue: CatalogueReader,
): Result<EventPayloads['FolderCreated']> {
  if (folderExists(catalogue, path)) return fail('CONFLICT', `the folder ${path} exists`);
  const file = path.slice(0, -1);
  if (catalogue.live(file)) return fail('CONFLICT', `a file is named ${file}`);
  return ok({ path });
}

/** RMDIR: only an explicit folder, and only while empty: no live name and no explicit folder under it. */
export function decideRemoveFolder(
  path: FolderPath,
  catalogue: CatalogueReader,
): Result<EventPayloads['FolderRemoved']> {
  if (catalogue.hasLiveUnder(path)) return fail('CONFLICT', `the folder ${path} is not empty`);
  if (!catalogue.explicitFolder(path)) return fail('NOT_FOUND', `no such folder: ${path}`);
  if (catalogue.listFolders(path, { after: path, limit: 1 }).length > 0) {
    return fail('CONFLICT', `the folder ${path} holds folders`);
  }
  return ok({ path });
}
