import { Catalogue } from '../../../src/domain/catalogue';
import { decideDelete, decideUpload } from '../../../src/domain/decide';
import { FerryEvent } from '../../../src/domain/events';
import { FileName, parseFileName } from '../../../src/domain/names';
import { resolveDownload } from '../../../src/domain/queries';
import { eventFactory, foldInto, shaOf } from '../../support/domain-events';
import { codeOf, valueOf } from '../../support/results';

function fileName(raw: string): FileName {
  const parsed = parseFileName(raw);
  if (!parsed.ok) throw new Error(`bad test name ${raw}`);
  return parsed.value;
}

const fold = (events: readonly FerryEvent[]): Catalogue => foldInto(new Catalogue(), events);

const DOC = fileName('doc.txt');
const SHA = shaOf('content');

/** States of one name, each built from a fresh log. */
function absent(): Catalogue {
  const f = eventFactory();
  return fold([f.uploaded('other.txt', 1)]);
}
function liveAt(version: number): Catalogue {
  const f = eventFactory();
  const events: FerryEvent[] = [];
  for (let v = 1; v <= version; v++) events.push(f.uploaded(DOC, v));
  return fold(events);
}
function deletedAfter(version: number): Catalogue {
  const f = eventFactory();
  const events: FerryEvent[] = [];
  for (let v = 1; v <= version; v++) events.push(f.uploaded(DOC, v));
  events.push(f.deleted(DOC, version));
  return fold(events);
}

describe('decideUpload', () => {
  it('gives version 1 to a new name and carries sha256 and size through', () => {
    expect(valueOf(decideUpload({ name: DOC, sha256: SHA, size: 42 }, absent()))).toEqual({
      name: DOC,
      version: 1,
      sha256: SHA,
      size: 42,
    });
  });

  it('gives latest + 1 to a live name', () => {
    expect(valueOf(decideUpload({ name: DOC, sha256: SHA, size: 1 }, liveAt(3))).version).toBe(4);
  });

  it('gives latest + 1 after a delete, never reusing a version number', () => {
    expect(valueOf(decideUpload({ name: DOC, sha256: SHA, size: 1 }, deletedAfter(2))).version).toBe(3);
  });

  it('does not change the catalogue', () => {
    const catalogue = liveAt(1);
    decideUpload({ name: DOC, sha256: SHA, size: 1 }, catalogue);
    expect(catalogue.latestVersion(DOC)).toBe(1);
    expect(catalogue.live(DOC)?.sha256).toBe(shaOf('doc.txt#1'));
  });

  describe('with an expected version', () => {
    it('ifVersion 0 is fine when the name is absent', () => {
      expect(valueOf(decideUpload({ name: DOC, sha256: SHA, size: 1, ifVersion: 0 }, absent())).version).toBe(
        1,
      );
    });

    it('ifVersion 0 is fine when the name was deleted', () => {
      const decided = decideUpload({ name: DOC, sha256: SHA, size: 1, ifVersion: 0 }, deletedAfter(2));
      expect(valueOf(decided).version).toBe(3);
    });

    it('ifVersion 0 is a VERSION_CONFLICT when the name is live', () => {
      expect(codeOf(decideUpload({ name: DOC, sha256: SHA, size: 1, ifVersion: 0 }, liveAt(1)))).toBe(
        'VERSION_CONFLICT',
      );
    });

    it('ifVersion N is fine only when the live version is N', () => {
      expect(
        valueOf(decideUpload({ name: DOC, sha256: SHA, size: 1, ifVersion: 2 }, liveAt(2))).version,
      ).toBe(3);
      expect(codeOf(decideUpload({ name: DOC, sha256: SHA, size: 1, ifVersion: 1 }, liveAt(2)))).toBe(
        'VERSION_CONFLICT',
      );
      expect(codeOf(decideUpload({ name: DOC, sha256: SHA, size: 1, ifVersion: 3 }, liveAt(2)))).toBe(
        'VERSION_CONFLICT',
      );
    });

    it('ifVersion N is a VERSION_CONFLICT when the name is absent or was deleted at N', () => {
      expect(codeOf(decideUpload({ name: DOC, sha256: SHA, size: 1, ifVersion: 1 }, absent()))).toBe(
        'VERSION_CONFLICT',
      );
      expect(codeOf(decideUpload({ name: DOC, sha256: SHA, size: 1, ifVersion: 2 }, deletedAfter(2)))).toBe(
        'VERSION_CONFLICT',
      );
    });
  });
});

describe('decideDelete', () => {
  it('deletes the live version', () => {
    expect(valueOf(decideDelete({ name: DOC }, liveAt(2)))).toEqual({ name: DOC, version: 2 });
  });

  it('is NOT_FOUND for a name that never existed', () => {
    expect(codeOf(decideDelete({ name: DOC }, absent()))).toBe('NOT_FOUND');
    expect(codeOf(decideDelete({ name: DOC }, new Catalogue()))).toBe('NOT_FOUND');
  });

  it('is NOT_FOUND for a name already deleted', () => {
    expect(codeOf(decideDelete({ name: DOC }, deletedAfter(1)))).toBe('NOT_FOUND');
  });

  it('ifVersion N is fine only when the live version is N', () => {
    expect(valueOf(decideDelete({ name: DOC, ifVersion: 2 }, liveAt(2)))).toEqual({ name: DOC, version: 2 });
    expect(codeOf(decideDelete({ name: DOC, ifVersion: 1 }, liveAt(2)))).toBe('VERSION_CONFLICT');
    expect(codeOf(decideDelete({ name: DOC, ifVersion: 0 }, liveAt(2)))).toBe('VERSION_CONFLICT');
  });

  it('ifVersion 0 passes the precondition on a missing name, but there is still nothing to delete', () => {
    expect(codeOf(decideDelete({ name: DOC, ifVersion: 0 }, absent()))).toBe('NOT_FOUND');
    expect(codeOf(decideDelete({ name: DOC, ifVersion: 0 }, deletedAfter(1)))).toBe('NOT_FOUND');
  });
});

describe('resolveDownload', () => {
  const f = eventFactory();
  const catalogue = fold([
    f.uploaded(DOC, 1, shaOf('v1'), 1),
    f.uploaded(DOC, 2, shaOf('v2'), 2),
    f.uploaded('gone.txt', 1, shaOf('gone'), 3),
    f.deleted('gone.txt', 1),
  ]);

  it('resolves the live version when no version is given', () => {
    const file = valueOf(resolveDownload(catalogue, DOC));
    expect([file.name, file.version, file.sha256, file.size]).toEqual([DOC, 2, shaOf('v2'), 2]);
  });

  it('resolves an explicit older version', () => {
    const file = valueOf(resolveDownload(catalogue, DOC, 1));
    expect([file.version, file.sha256]).toEqual([1, shaOf('v1')]);
  });

  it('resolves an explicit version of a deleted name', () => {
    expect(valueOf(resolveDownload(catalogue, 'gone.txt', 1)).sha256).toBe(shaOf('gone'));
  });

  it('is NOT_FOUND for a missing name', () => {
    expect(codeOf(resolveDownload(catalogue, 'missing.txt'))).toBe('NOT_FOUND');
    expect(codeOf(resolveDownload(catalogue, 'missing.txt', 1))).toBe('NOT_FOUND');
  });

  it('is NOT_FOUND for a deleted name without a version', () => {
    expect(codeOf(resolveDownload(catalogue, 'gone.txt'))).toBe('NOT_FOUND');
  });

  it.each([0, 3, -1, 99])('is NOT_FOUND for missing version %d', (version) => {
    expect(codeOf(resolveDownload(catalogue, DOC, version))).toBe('NOT_FOUND');
  });
});
