import fc from 'fast-check';
import { Catalogue } from '../../../src/domain/catalogue';
import { Usage } from '../../../src/domain/file-versions';
import { FerryEvent } from '../../../src/domain/events';
import { eventFactory, EventFactory, shaOf } from '../../support/domain-events';

function fold(events: readonly FerryEvent[]): Catalogue {
  const catalogue = new Catalogue();
  for (const event of events) catalogue.apply(event);
  return catalogue;
}

/** Log events as a given actor; the shared factory only knows alice. */
function by(f: EventFactory, actor: string) {
  return {
    upload: (name: string, version: number, size: number): FerryEvent =>
      f.make('FileUploaded', { name, version, sha256: shaOf(`${name}#${version}`), size }, { actor }),
    restore: (name: string, version: number, fromVersion: number, size: number): FerryEvent =>
      f.make(
        'FileRestored',
        { name, version, fromVersion, sha256: shaOf(`${name}#${fromVersion}`), size },
        { actor },
      ),
    delete: (name: string, version: number): FerryEvent =>
      f.make('FileDeleted', { name, version }, { actor }),
  };
}

const NONE: Usage = { files: 0, bytes: 0 };

/** The usage per actor recomputed from the live files, independently of the catalogue's counters. */
function usageFromList(catalogue: Catalogue): Map<string, Usage> {
  const usage = new Map<string, Usage>();
  for (const file of catalogue.list('', { limit: Infinity })) {
    const now = usage.get(file.actor) ?? NONE;
    usage.set(file.actor, { files: now.files + 1, bytes: now.bytes + file.size });
  }
  return usage;
}

describe('Catalogue.usage', () => {
  it('is nothing for an actor who never wrote', () => {
    expect(new Catalogue().usage('alice')).toEqual(NONE);
    const f = eventFactory();
    expect(fold([by(f, 'bob').upload('a', 1, 10)]).usage('alice')).toEqual(NONE);
  });

  it('counts every live file an actor uploaded, and its bytes', () => {
    const f = eventFactory();
    const alice = by(f, 'alice');
    expect(fold([alice.upload('a', 1, 10), alice.upload('b', 1, 20)]).usage('alice')).toEqual({
      files: 2,
      bytes: 30,
    });
  });

  it('counts only the live version when an actor overwrites their own file', () => {
    const f = eventFactory();
    const alice = by(f, 'alice');
    const catalogue = fold([alice.upload('a', 1, 10), alice.upload('a', 2, 4), alice.upload('a', 3, 25)]);
    expect(catalogue.usage('alice')).toEqual({ files: 1, bytes: 25 });
  });

  it('moves a file from one actor to another when the other overwrites it', () => {
    const f = eventFactory();
    const catalogue = fold([
      by(f, 'alice').upload('a', 1, 10),
      by(f, 'alice').upload('b', 1, 20),
      by(f, 'bob').upload('a', 2, 7),
    ]);
    expect(catalogue.usage('alice')).toEqual({ files: 1, bytes: 20 });
    expect(catalogue.usage('bob')).toEqual({ files: 1, bytes: 7 });
  });

  it("frees a file deleted by anyone, from its live version's actor only", () => {
    const f = eventFactory();
    const catalogue = fold([
      by(f, 'alice').upload('a', 1, 10),
      by(f, 'alice').upload('b', 1, 20),
      by(f, 'bob').upload('c', 1, 5),
      by(f, 'bob').delete('a', 1),
    ]);
    expect(catalogue.usage('alice')).toEqual({ files: 1, bytes: 20 });
    expect(catalogue.usage('bob')).toEqual({ files: 1, bytes: 5 });
  });

  it('goes back to exactly nothing once every file is gone', () => {
    const f = eventFactory();
    const alice = by(f, 'alice');
    const catalogue = fold([
      alice.upload('a', 1, 10),
      alice.upload('b', 1, 0),
      alice.delete('a', 1),
      alice.delete('b', 1),
    ]);
    expect(catalogue.usage('alice')).toEqual(NONE);
  });

  it('counts an empty file as a file', () => {
    const f = eventFactory();
    expect(fold([by(f, 'alice').upload('empty', 1, 0)]).usage('alice')).toEqual({ files: 1, bytes: 0 });
  });

  it('charges a restore to whoever restored, not to who uploaded the bytes first', () => {
    const f = eventFactory();
    const catalogue = fold([
      by(f, 'alice').upload('a', 1, 10),
      by(f, 'alice').delete('a', 1),
      by(f, 'bob').restore('a', 2, 1, 10),
    ]);
    expect(catalogue.usage('alice')).toEqual(NONE);
    expect(catalogue.usage('bob')).toEqual({ files: 1, bytes: 10 });
  });

  it('moves a live file to the restorer when a restore replaces it', () => {
    const f = eventFactory();
    const catalogue = fold([
      by(f, 'alice').upload('a', 1, 10),
      by(f, 'bob').upload('a', 2, 50),
      by(f, 'alice').restore('a', 3, 1, 10),
    ]);
    expect(catalogue.usage('alice')).toEqual({ files: 1, bytes: 10 });
    expect(catalogue.usage('bob')).toEqual(NONE);
  });

  it('never goes negative when a delete finds nothing live', () => {
    const f = eventFactory();
    const catalogue = fold([
      by(f, 'alice').upload('a', 1, 10),
      by(f, 'alice').delete('a', 1),
      by(f, 'alice').delete('a', 1),
      by(f, 'alice').delete('never', 0),
    ]);
    expect(catalogue.usage('alice')).toEqual(NONE);
  });

  it('ignores events that are not uploads, restores or deletes', () => {
    const f = eventFactory();
    const catalogue = fold([
      by(f, 'alice').upload('a', 1, 10),
      f.make('FileDownloaded', { name: 'a', version: 1, sha256: shaOf('a#1'), bytes: 10, complete: true }),
      f.make('GarbageCollected', {
        retentionDays: 0,
        blobs: [shaOf('a#1')],
        versions: [{ name: 'a', version: 1 }],
      }),
      f.make('UserQuotaChanged', { user: 'alice', bytes: 1, files: 1 }),
    ]);
    expect(catalogue.usage('alice')).toEqual({ files: 1, bytes: 10 });
  });

  it('is exact for every actor after any sequence of uploads, restores and deletes', () => {
    const ACTORS = ['alice', 'bob', 'carol'];
    const NAMES = ['a', 'b', 'dir/c'];
    const step = fc.record({
      kind: fc.constantFrom('upload', 'restore', 'delete'),
      actor: fc.constantFrom(...ACTORS),
      name: fc.constantFrom(...NAMES),
      size: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const f = eventFactory();
        const catalogue = new Catalogue();
        for (const s of steps) {
          const as = by(f, s.actor);
          const latest = catalogue.latestVersion(s.name);
          const live = catalogue.live(s.name);
          if (s.kind === 'upload') catalogue.apply(as.upload(s.name, latest + 1, s.size));
          else if (s.kind === 'restore' && latest > 0) {
            const from = catalogue.version(s.name, 1)!;
            catalogue.apply(as.restore(s.name, latest + 1, 1, from.size));
          } else if (s.kind === 'delete' && live) catalogue.apply(as.delete(s.name, live.version));
          const expected = usageFromList(catalogue);
          for (const actor of ACTORS) {
            const usage = catalogue.usage(actor);
            expect(usage).toEqual(expected.get(actor) ?? NONE);
            expect(usage.files).toBeGreaterThanOrEqual(0);
            expect(usage.bytes).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('Catalogue folding accounts, bans and files from one log', () => {
  const T0 = Date.parse('2026-03-01T12:00:00.000Z');

  function build(): { catalogue: Catalogue; f: EventFactory } {
    const f = eventFactory();
    const at = (event: FerryEvent, ms: number): FerryEvent => ({ ...event, at: new Date(ms).toISOString() });
    const catalogue = fold([
      f.make('UserAdded', { user: 'alice', role: 'write', prefix: 'alice/', passwordSet: true }),
      f.make('UserAdded', { user: 'bob', role: 'read', passwordSet: false }),
      f.make('UserQuotaChanged', { user: 'alice', bytes: 1000, files: null }),
      f.make('UserDisabled', { user: 'bob' }),
      f.make('UserPasswordChanged', { user: 'alice' }),
      by(f, 'alice').upload('alice/a', 1, 10),
      by(f, 'alice').upload('alice/b', 1, 20),
      by(f, 'bob').upload('alice/a', 2, 7),
      by(f, 'alice').restore('alice/a', 3, 1, 10),
      by(f, 'bob').upload('shared', 1, 100),
      by(f, 'bob').delete('shared', 1),
      by(f, 'bob').upload('bob/x', 1, 3),
      at(
        f.make(
          'LoginFailed',
          { user: 'bob', reason: 'disabled' },
          { actor: 'anonymous', remote: '198.51.100.7:9' },
        ),
        T0,
      ),
      at(
        f.make(
          'LoginFailed',
          { user: 'x', reason: 'unknown-user' },
          { actor: 'anonymous', remote: '203.0.113.9:1' },
        ),
        T0 + 1,
      ),
      at(
        f.make('AddressBanned', {
          address: '203.0.113.9',
          until: new Date(T0 + 3_600_000).toISOString(),
          failures: 10,
          ban: 2,
        }),
        T0 + 2,
      ),
    ]);
    return { catalogue, f };
  }

  it('keeps the accounts', () => {
    const { catalogue } = build();
    expect(catalogue.accounts.list().map((account) => account.name)).toEqual(['alice', 'bob']);
    expect(catalogue.accounts.get('alice')).toMatchObject({ prefix: 'alice/', quota: { bytes: 1000 } });
    expect(catalogue.accounts.get('alice')?.passwordEvent).toBe('evt-5');
    expect(catalogue.accounts.get('bob')?.disabled).toBe(true);
  });

  it('keeps the address bans and failures', () => {
    const { catalogue } = build();
    const now = new Date(T0 + 60_000);
    expect(catalogue.bans.bannedUntil('203.0.113.9')).toEqual(new Date(T0 + 3_600_000));
    expect(catalogue.bans.failuresWithin('203.0.113.9', 600_000, now)).toBe(0);
    expect(catalogue.bans.failuresWithin('198.51.100.7', 600_000, now)).toBe(1);
    expect(catalogue.bans.nextBanNumber('203.0.113.9', now)).toBe(3);
  });

  it("keeps every actor's usage", () => {
    const { catalogue } = build();
    expect(catalogue.usage('alice')).toEqual({ files: 2, bytes: 30 });
    expect(catalogue.usage('bob')).toEqual({ files: 1, bytes: 3 });
    expect(catalogue.usage('carol')).toEqual(NONE);
  });

  it('goes on folding each of them', () => {
    const { catalogue, f } = build();
    const more = [
      by(f, 'bob').upload('alice/b', 2, 5),
      f.make('UserEnabled', { user: 'bob' }),
      f.make('AddressUnbanned', { address: '203.0.113.9' }),
      by(f, 'alice').delete('alice/a', 3),
    ];
    for (const event of more) catalogue.apply(event);
    expect(catalogue.usage('alice')).toEqual({ files: 0, bytes: 0 });
    expect(catalogue.usage('bob')).toEqual({ files: 2, bytes: 8 });
    expect(catalogue.accounts.get('bob')?.disabled).toBe(false);
    expect(catalogue.bans.bannedUntil('203.0.113.9')).toBeUndefined();
    expect(catalogue.position()).toBe(19);
  });
});
