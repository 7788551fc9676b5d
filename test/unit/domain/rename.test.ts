import { Catalogue } from '../../../src/domain/catalogue';
import { decideRename } from '../../../src/domain/decide';
import { FerryEvent } from '../../../src/domain/events';
import { FileName, parseFileName } from '../../../src/domain/names';
import { checkRenameQuota } from '../../../src/domain/quota';
import { eventFactory, EventFactory, foldInto, shaOf } from '../../support/domain-events';
import { codeOf, valueOf } from '../../support/results';

function fileName(raw: string): FileName {
  const parsed = parseFileName(raw);
  if (!parsed.ok) throw new Error(`bad test name ${raw}`);
  return parsed.value;
}

const A = fileName('a.txt');
const B = fileName('dir/b.txt');
const fold = (events: readonly FerryEvent[]): Catalogue => foldInto(new Catalogue(), events);

function upload(f: EventFactory, name: string, version: number, size: number, actor = 'alice'): FerryEvent {
  return f.make('FileUploaded', { name, version, sha256: shaOf(`${name}#${version}`), size }, { actor });
}

describe('decideRename', () => {
  it("moves the source's live version: its number, bytes and size, to the target's next version", () => {
    const f = eventFactory();
    const catalogue = fold([upload(f, A, 1, 5), upload(f, A, 2, 7)]);
    expect(valueOf(decideRename({ from: A, to: B, requestId: 'r1' }, catalogue))).toEqual({
      from: A,
      to: B,
      version: 1,
      fromVersion: 2,
      sha256: shaOf(`${A}#2`),
      size: 7,
      requestId: 'r1',
    });
  });

  it('gives the target latest + 1 when it was used before and is deleted now', () => {
    const f = eventFactory();
    const catalogue = fold([upload(f, A, 1, 5), upload(f, B, 1, 1), upload(f, B, 2, 1), f.deleted(B, 2)]);
    expect(valueOf(decideRename({ from: A, to: B }, catalogue)).version).toBe(3);
  });

  it('refuses a source that is not live with NOT_FOUND: never used, or deleted', () => {
    const f = eventFactory();
    const catalogue = fold([upload(f, B, 1, 1), upload(f, 'x', 1, 1), f.deleted(fileName('x'), 1)]);
    expect(codeOf(decideRename({ from: A, to: fileName('c') }, catalogue))).toBe('NOT_FOUND');
    expect(codeOf(decideRename({ from: fileName('x'), to: fileName('c') }, catalogue))).toBe('NOT_FOUND');
  });

  it('refuses a live target with CONFLICT unless if-version names its live version', () => {
    const f = eventFactory();
    const catalogue = fold([upload(f, A, 1, 5), upload(f, B, 1, 1), upload(f, B, 2, 1)]);
    expect(codeOf(decideRename({ from: A, to: B }, catalogue))).toBe('CONFLICT');
    expect(codeOf(decideRename({ from: A, to: B, ifVersion: 1 }, catalogue))).toBe('VERSION_CONFLICT');
    expect(codeOf(decideRename({ from: A, to: B, ifVersion: 0 }, catalogue))).toBe('VERSION_CONFLICT');
    expect(valueOf(decideRename({ from: A, to: B, ifVersion: 2 }, catalogue)).version).toBe(3);
  });

  it('with if-version=0 requires the target not to be live, as for an upload', () => {
    const f = eventFactory();
    const catalogue = fold([upload(f, A, 1, 5)]);
    expect(valueOf(decideRename({ from: A, to: B, ifVersion: 0 }, catalogue)).version).toBe(1);
  });

  it('refuses renaming a name to itself with BAD_REQUEST', () => {
    const f = eventFactory();
    const catalogue = fold([upload(f, A, 1, 5)]);
    expect(codeOf(decideRename({ from: A, to: A }, catalogue))).toBe('BAD_REQUEST');
    expect(codeOf(decideRename({ from: A, to: A, ifVersion: 1 }, catalogue))).toBe('BAD_REQUEST');
  });

  it('decides an event the catalogue folds: the source leaves the listing, the target enters it', () => {
    const f = eventFactory();
    const catalogue = fold([upload(f, A, 1, 5)]);
    const payload = valueOf(decideRename({ from: A, to: B }, catalogue));
    foldInto(catalogue, [f.make('FileRenamed', payload)]);
    expect(catalogue.list().map((file) => file.name)).toEqual([B]);
    expect(catalogue.history(A).map((entry) => entry.kind)).toEqual(['uploaded', 'renamed-to']);
    // The moved version stays downloadable under its old name.
    expect(catalogue.version(A, 1)).toMatchObject({ sha256: payload.sha256 });
  });
});

describe('checkRenameQuota', () => {
  /** alice may hold 2 files and 50 bytes; she owns a.txt (30) and b (10); bob owns c (40). */
  function catalogue(): Catalogue {
    const f = eventFactory();
    const admin = { actor: 'local:root' };
    return fold([
      f.make('UserAdded', { user: 'alice', role: 'write', passwordSet: true }, admin),
      f.make('UserQuotaChanged', { user: 'alice', bytes: 50, files: 2 }, admin),
      upload(f, A, 1, 30),
      upload(f, 'b', 1, 10),
      upload(f, 'c', 1, 40, 'bob'),
    ]);
  }

  it('allows renaming her own file at her limits: the source no longer counts', () => {
    expect(checkRenameQuota(catalogue(), 'alice', A, 'new', 30)).toEqual({ ok: true, value: undefined });
  });

  it('allows replacing her own live file, whose version is freed too', () => {
    expect(checkRenameQuota(catalogue(), 'alice', A, 'b', 30)).toEqual({ ok: true, value: undefined });
  });

  it("refuses taking over someone else's file beyond her quota with QUOTA_EXCEEDED", () => {
    // c is bob's: renamed by alice it becomes hers, a third file of 40 bytes.
    expect(codeOf(checkRenameQuota(catalogue(), 'alice', 'c', 'mine', 40))).toBe('QUOTA_EXCEEDED');
  });

  it('does not limit an actor without a quota', () => {
    expect(checkRenameQuota(catalogue(), 'bob', A, 'x', 30)).toEqual({ ok: true, value: undefined });
  });
});
