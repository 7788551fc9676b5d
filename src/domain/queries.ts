import { Catalogue, FileVersion } from './catalogue';
import { fail, ok, Result } from './errors';

/** Which stored version a DOWNLOAD names: the live one, or an explicit earlier one. */
export function resolveDownload(catalogue: Catalogue, name: string, version?: number): Result<FileVersion> {
  if (version === undefined) {
    const live = catalogue.live(name);
    return live ? ok(live) : fail('NOT_FOUND', `no such file: ${name}`);
  }
  const stored = catalogue.version(name, version);
  return stored ? ok(stored) : fail('NOT_FOUND', `no version ${version} of ${name}`);
}
