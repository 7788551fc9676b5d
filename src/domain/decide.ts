import { FileVersion } from './file-versions';
import { CatalogueReader } from './ports/catalogue-store.port';
import { fail, ok, Result } from './errors';
import { EventPayloads } from './events';
import { FileName } from './names';
import { withBytes } from './queries';

/** The business rules of every change, decided against the catalogue as it is now. */

/** What every change may carry: an expected current version, and an id that makes a retry safe. */
interface WriteGuards {
  readonly ifVersion?: number;
  readonly requestId?: string;
}

export interface UploadCommand extends WriteGuards {
  readonly name: FileName;
  readonly sha256: string;
  readonly size: number;
}

export interface DeleteCommand extends WriteGuards {
  readonly name: FileName;
}

export interface RestoreCommand extends WriteGuards {
  readonly name: FileName;
  readonly version: number;
}

export function decideUpload(
  command: UploadCommand,
  catalogue: CatalogueReader,
): Result<EventPayloads['FileUploaded']> {
  const precondition = checkExpectedVersion(command.name, command.ifVersion, catalogue);
  if (!precondition.ok) return precondition;
  return ok({
    name: command.name,
    version: catalogue.latestVersion(command.name) + 1,
    sha256: command.sha256,
    size: command.size,
    ...withRequestId(command),
  });
}

export function decideDelete(
  command: DeleteCommand,
  catalogue: CatalogueReader,
): Result<EventPayloads['FileDeleted']> {
  const precondition = checkExpectedVersion(command.name, command.ifVersion, catalogue);
  if (!precondition.ok) return precondition;
  const live = precondition.value;
  if (!live) return fail('NOT_FOUND', `no such file: ${command.name}`);
  return ok({ name: command.name, version: live.version, ...withRequestId(command) });
}

/** A restore appends a new version with an old version's bytes; it also brings a deleted name back. */
export function decideRestore(
  command: RestoreCommand,
  catalogue: CatalogueReader,
): Result<EventPayloads['FileRestored']> {
  const precondition = checkExpectedVersion(command.name, command.ifVersion, catalogue);
  if (!precondition.ok) return precondition;
  const found = catalogue.version(command.name, command.version);
  if (!found) return fail('NOT_FOUND', `no version ${command.version} of ${command.name}`);
  const source = withBytes(catalogue, found);
  if (!source.ok) return source;
  return ok({
    name: command.name,
    version: catalogue.latestVersion(command.name) + 1,
    fromVersion: found.version,
    sha256: found.sha256,
    size: found.size,
    ...withRequestId(command),
  });
}

function withRequestId(command: WriteGuards): { requestId?: string } {
  return command.requestId === undefined ? {} : { requestId: command.requestId };
}

/**
 * An expected version lets two writers avoid silently overwriting each other: 0 means "must not exist
 * now", N means "the live version must be N".
 */
export function checkExpectedVersion(
  name: string,
  expected: number | undefined,
  catalogue: CatalogueReader,
): Result<FileVersion | undefined> {
  const live = catalogue.live(name);
  if (expected === undefined || expected === (live?.version ?? 0)) return ok(live);
  const actual = live ? `version ${live.version}` : 'no live version';
  return fail('VERSION_CONFLICT', `${name}: expected version ${expected}, found ${actual}`);
}
