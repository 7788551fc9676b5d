import { FileVersion, HistoryEntry } from './file-versions';
import { CatalogueReader } from './ports/catalogue-store.port';
import { fail, ok, Result } from './errors';

/** Which stored version a DOWNLOAD names: the live one, or an explicit earlier one. */
export function resolveDownload(
  catalogue: CatalogueReader,
  name: string,
  version?: number,
): Result<FileVersion> {
  if (version === undefined) {
    const live = catalogue.live(name);
    return live ? ok(live) : fail('NOT_FOUND', `no such file: ${name}`);
  }
  const stored = catalogue.version(name, version);
  if (!stored) return fail('NOT_FOUND', `no version ${version} of ${name}`);
  return withBytes(catalogue, stored);
}

/** A version whose bytes were garbage-collected is history only: it can be listed, not fetched. */
export function withBytes(catalogue: CatalogueReader, file: FileVersion): Result<FileVersion> {
  if (!catalogue.isCollected(file.sha256)) return ok(file);
  return fail('NOT_FOUND', `the bytes of ${file.name} version ${file.version} were garbage-collected`);
}

export function resolveStat(catalogue: CatalogueReader, name: string): Result<FileVersion> {
  const live = catalogue.live(name);
  if (live) return ok(live);
  const deleted = catalogue.latestVersion(name) > 0;
  return fail(
    'NOT_FOUND',
    deleted ? `${name} is deleted; HISTORY shows its versions` : `no such file: ${name}`,
  );
}

export function resolveHistory(catalogue: CatalogueReader, name: string): Result<readonly HistoryEntry[]> {
  const history = catalogue.history(name);
  return history.length > 0 ? ok(history) : fail('NOT_FOUND', `no such file: ${name}`);
}
