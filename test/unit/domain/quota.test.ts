import { Quota } from '../../../src/domain/accounts';
import { Catalogue } from '../../../src/domain/catalogue';
import { FerryEvent } from '../../../src/domain/events';
import { checkQuota } from '../../../src/domain/quota';
import { eventFactory, EventFactory, foldInto, shaOf } from '../../support/domain-events';
import { codeOf } from '../../support/results';

const fold = (events: readonly FerryEvent[]): Catalogue => foldInto(new Catalogue(), events);

function upload(f: EventFactory, actor: string, name: string, version: number, size: number): FerryEvent {
  return f.make('FileUploaded', { name, version, sha256: shaOf(`${name}#${version}`), size }, { actor });
}

const OK = { ok: true, value: undefined };

/** alice owns a.txt (30 bytes) and b.txt (20 bytes); bob owns c.txt (40 bytes). */
function catalogue(): Catalogue {
  const f = eventFactory();
  return fold([
    upload(f, 'alice', 'a.txt', 1, 30),
    upload(f, 'alice', 'b.txt', 1, 20),
    upload(f, 'bob', 'c.txt', 1, 40),
  ]);
}

describe('checkQuota', () => {
  it('always allows without a quota, however big', () => {
    expect(checkQuota({}, catalogue(), 'alice', 'new.txt', Number.MAX_SAFE_INTEGER)).toEqual(OK);
    expect(
      checkQuota({}, catalogue(), 'alice', 'new.txt', 1e12, { files: 1e6, bytes: Number.MAX_SAFE_INTEGER }),
    ).toEqual(OK);
  });

  describe('a bytes limit', () => {
    it('allows a new file that fills it exactly', () => {
      expect(checkQuota({ bytes: 100 }, catalogue(), 'alice', 'new.txt', 50)).toEqual(OK);
    });

    it('refuses a byte more with QUOTA_EXCEEDED', () => {
      expect(codeOf(checkQuota({ bytes: 100 }, catalogue(), 'alice', 'new.txt', 51))).toBe('QUOTA_EXCEEDED');
    });

    it("counts only the actor's own live files", () => {
      expect(checkQuota({ bytes: 100 }, catalogue(), 'bob', 'new.txt', 60)).toEqual(OK);
      expect(codeOf(checkQuota({ bytes: 100 }, catalogue(), 'bob', 'new.txt', 61))).toBe('QUOTA_EXCEEDED');
    });

    it('of 0 allows an empty file but not a byte', () => {
      expect(checkQuota({ bytes: 0 }, new Catalogue(), 'carol', 'new.txt', 0)).toEqual(OK);
      expect(codeOf(checkQuota({ bytes: 0 }, new Catalogue(), 'carol', 'new.txt', 1))).toBe('QUOTA_EXCEEDED');
    });

    it('does not limit the number of files', () => {
      expect(
        checkQuota({ bytes: 1000 }, catalogue(), 'alice', 'new.txt', 0, { files: 500, bytes: 0 }),
      ).toEqual(OK);
    });
  });

  describe('a files limit', () => {
    it('allows the file that reaches it', () => {
      expect(checkQuota({ files: 3 }, catalogue(), 'alice', 'new.txt', 1)).toEqual(OK);
    });

    it('refuses one more with QUOTA_EXCEEDED', () => {
      expect(codeOf(checkQuota({ files: 2 }, catalogue(), 'alice', 'new.txt', 1))).toBe('QUOTA_EXCEEDED');
    });

    it('of 0 refuses any new file', () => {
      expect(codeOf(checkQuota({ files: 0 }, new Catalogue(), 'carol', 'new.txt', 0))).toBe('QUOTA_EXCEEDED');
    });

    it('does not limit bytes', () => {
      expect(checkQuota({ files: 3 }, catalogue(), 'alice', 'new.txt', 1e12)).toEqual(OK);
    });
  });

  it('with both limits, either one refuses', () => {
    const quota: Quota = { bytes: 100, files: 3 };
    expect(checkQuota(quota, catalogue(), 'alice', 'new.txt', 50)).toEqual(OK);
    expect(codeOf(checkQuota(quota, catalogue(), 'alice', 'new.txt', 51))).toBe('QUOTA_EXCEEDED');
    expect(codeOf(checkQuota({ bytes: 100, files: 2 }, catalogue(), 'alice', 'new.txt', 1))).toBe(
      'QUOTA_EXCEEDED',
    );
  });

  describe("replacing one's own live version", () => {
    it('frees its bytes first', () => {
      // alice has 50 bytes; replacing a.txt (30) by 80 bytes needs 20 + 80 = 100.
      expect(checkQuota({ bytes: 100 }, catalogue(), 'alice', 'a.txt', 80)).toEqual(OK);
      expect(codeOf(checkQuota({ bytes: 100 }, catalogue(), 'alice', 'a.txt', 81))).toBe('QUOTA_EXCEEDED');
    });

    it('frees its file: a full files quota still allows a new version', () => {
      expect(checkQuota({ files: 2 }, catalogue(), 'alice', 'a.txt', 1)).toEqual(OK);
      expect(codeOf(checkQuota({ files: 2 }, catalogue(), 'alice', 'new.txt', 1))).toBe('QUOTA_EXCEEDED');
    });

    it('frees only the live version, not earlier ones', () => {
      const f = eventFactory();
      const events = [upload(f, 'alice', 'a.txt', 1, 90), upload(f, 'alice', 'a.txt', 2, 10)];
      // usage is 10 (only v2 is live); replacing it by 100 needs exactly 100.
      expect(checkQuota({ bytes: 100 }, fold(events), 'alice', 'a.txt', 100)).toEqual(OK);
      expect(codeOf(checkQuota({ bytes: 100 }, fold(events), 'alice', 'a.txt', 101))).toBe('QUOTA_EXCEEDED');
    });
  });

  describe("replacing another actor's live version", () => {
    it('does not free its bytes', () => {
      // c.txt is bob's 40 bytes: alice's 50 + 50 fit in 100, 51 do not.
      expect(checkQuota({ bytes: 100 }, catalogue(), 'alice', 'c.txt', 50)).toEqual(OK);
      expect(codeOf(checkQuota({ bytes: 100 }, catalogue(), 'alice', 'c.txt', 51))).toBe('QUOTA_EXCEEDED');
    });

    it('does not free a file', () => {
      expect(codeOf(checkQuota({ files: 2 }, catalogue(), 'alice', 'c.txt', 1))).toBe('QUOTA_EXCEEDED');
    });

    it("counts a version alice wrote earlier but bob overwrote as bob's", () => {
      const f = eventFactory();
      const events = [upload(f, 'alice', 'a.txt', 1, 30), upload(f, 'bob', 'a.txt', 2, 70)];
      expect(checkQuota({ files: 1, bytes: 10 }, fold(events), 'alice', 'new.txt', 10)).toEqual(OK);
      expect(codeOf(checkQuota({ files: 1 }, fold(events), 'bob', 'new.txt', 1))).toBe('QUOTA_EXCEEDED');
    });
  });

  it('does not free anything for a deleted name', () => {
    const f = eventFactory();
    const events = [
      upload(f, 'alice', 'a.txt', 1, 30),
      upload(f, 'alice', 'b.txt', 1, 50),
      f.deleted('a.txt', 1),
    ];
    // alice has 50 bytes in 1 file; a.txt is not live, so its 30 bytes are not freed again.
    expect(checkQuota({ bytes: 100, files: 2 }, fold(events), 'alice', 'a.txt', 50)).toEqual(OK);
    expect(codeOf(checkQuota({ bytes: 100 }, fold(events), 'alice', 'a.txt', 51))).toBe('QUOTA_EXCEEDED');
  });

  describe('pending reservations', () => {
    it('count their bytes', () => {
      expect(
        checkQuota({ bytes: 100 }, catalogue(), 'alice', 'new.txt', 40, { files: 1, bytes: 10 }),
      ).toEqual(OK);
      expect(
        codeOf(checkQuota({ bytes: 100 }, catalogue(), 'alice', 'new.txt', 41, { files: 1, bytes: 10 })),
      ).toBe('QUOTA_EXCEEDED');
    });

    it('count their files', () => {
      expect(checkQuota({ files: 4 }, catalogue(), 'alice', 'new.txt', 1, { files: 1, bytes: 0 })).toEqual(
        OK,
      );
      expect(
        codeOf(checkQuota({ files: 4 }, catalogue(), 'alice', 'new.txt', 1, { files: 2, bytes: 0 })),
      ).toBe('QUOTA_EXCEEDED');
    });

    it('count on an empty catalogue too', () => {
      expect(
        codeOf(checkQuota({ bytes: 10 }, new Catalogue(), 'carol', 'x', 5, { files: 1, bytes: 6 })),
      ).toBe('QUOTA_EXCEEDED');
    });
  });
});
