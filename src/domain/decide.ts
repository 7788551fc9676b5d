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

/**
 * `ifVersion` is about the target, as for an upload: absent, the target must not be live (CONFLICT);
 * N, its live version must be N (0: not live), and a live target is then replaced.
 */
export interface RenameCommand extends WriteGuards {
  readonly from: FileName;
  readonly to: FileName;
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

/**
 * A rename moves the source's live version to the target in one event: the source stops being live (its
 * versions stay in its history), the target gets a new version with the same bytes.
 */
export function decideRename(
  command: RenameCommand,
  catalogue: CatalogueReader,
): Result<EventPayloads['FileRenamed']> {
  const { from, to } = command;
  if (from === to) return fail('BAD_REQUEST', `${from} would be renamed to itself`);
  const source = catalogue.live(from);
  if (!source) return fail('NOT_FOUND', `no such file: ${from}`);
  if (command.ifVersion === undefined) {
    const target = catalogue.live(to);
    if (target) {
      return fail(
        'CONFLICT',
        `${to} exists (version ${target.version}); if-version=${target.version} replaces it`,
      );
    }
  } else {
    const precondition = checkExpectedVersion(to, command.ifVersion, catalogue);
    if (!precondition.ok) return precondition;
  }
  return ok({
    from,
    to,
    version: catalogue.latestVersion(to) + 1,
    fromVersion: source.version,
    sha256: source.sha256,
    size: source.size,
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
