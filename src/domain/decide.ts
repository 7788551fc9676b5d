import { Catalogue, FileVersion, assertNever } from './catalogue';
import { fail, ok, Result } from './errors';
import { EventPayloads } from './events';
import { FileName } from './names';

/** Commands that change the catalogue. Reads (LIST, DOWNLOAD) are queries and live in queries.ts. */
export type ChangeCommand =
  | {
      readonly type: 'Upload';
      readonly name: FileName;
      readonly sha256: string;
      readonly size: number;
      readonly ifVersion?: number;
    }
  | { readonly type: 'Delete'; readonly name: FileName; readonly ifVersion?: number };

export type Decision =
  | { readonly type: 'FileUploaded'; readonly payload: EventPayloads['FileUploaded'] }
  | { readonly type: 'FileDeleted'; readonly payload: EventPayloads['FileDeleted'] };

/** The business rules of every change, decided against the catalogue as it is now. */
export function decide(command: ChangeCommand, catalogue: Catalogue): Result<Decision> {
  const precondition = checkExpectedVersion(command.name, command.ifVersion, catalogue);
  if (!precondition.ok) return precondition;
  switch (command.type) {
    case 'Upload':
      return ok({
        type: 'FileUploaded',
        payload: {
          name: command.name,
          version: catalogue.latestVersion(command.name) + 1,
          sha256: command.sha256,
          size: command.size,
        },
      });
    case 'Delete': {
      const live = catalogue.live(command.name);
      if (!live) return fail('NOT_FOUND', `no such file: ${command.name}`);
      return ok({ type: 'FileDeleted', payload: { name: command.name, version: live.version } });
    }
    default:
      return assertNever(command);
  }
}

/**
 * An expected version lets two writers avoid silently overwriting each other: 0 means "must not exist
 * now", N means "the live version must be N".
 */
export function checkExpectedVersion(
  name: string,
  expected: number | undefined,
  catalogue: Catalogue,
): Result<FileVersion | undefined> {
  const live = catalogue.live(name);
  if (expected === undefined || expected === (live?.version ?? 0)) return ok(live);
  const actual = live ? `version ${live.version}` : 'no live version';
  return fail('VERSION_CONFLICT', `${name}: expected version ${expected}, found ${actual}`);
}
