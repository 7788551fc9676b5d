import Database from 'better-sqlite3';
import { Catalogue } from '../../src/domain/catalogue';
import { FileVersion, HistoryEntry, Usage } from '../../src/domain/file-versions';
import { EventOf, EventOrigin, EventPayloads, EventType, FerryEvent } from '../../src/domain/events';
import { CatalogueStore, PageRequest } from '../../src/domain/ports/catalogue-store.port';
import { REQUEST_ID_WINDOW_MS } from '../../src/domain/request-memory';
import { migrate } from '../../src/infra/sqlite/migrations';
import { SqliteCatalogueStore } from '../../src/infra/sqlite/sqlite-catalogue-store';
import { eventFactory, EventFactory, shaOf } from '../support/domain-events';

/** One adapter, opened fresh for each test. */
interface Opened {
  readonly store: CatalogueStore;
  /** The same projection as a process opening it afresh would see it (the in-memory one is its own). */
  reopen(): CatalogueStore;
  close(): void;
}

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NONE: Usage = { files: 0, bytes: 0 };
const ALL: PageRequest = { limit: 1000 };

const iso = (ms: number): string => new Date(ms).toISOString();
const sha = (content: string): string => shaOf(`content ${content}`);

interface FileOptions {
  readonly actor?: string;
  /** The bytes' label: the same content has the same SHA-256. */
  readonly content?: string;
  readonly size?: number;
  readonly requestId?: string;
  readonly at?: number;
}

/** Log events as the domain writes them, by any actor, at chosen times (one second apart by default). */
function logOf(firstSeq = 1) {
  const f: EventFactory = eventFactory(firstSeq);
  const timed = (event: FerryEvent, at?: number): FerryEvent => ({
    ...event,
    at: iso(at ?? T0 + event.seq * 1000),
  });
  const origin = (actor = 'alice'): Partial<EventOrigin> => ({ actor, session: `s-${actor}` });
  const withId = (requestId?: string) => (requestId === undefined ? {} : { requestId });
  return {
    upload(name: string, version: number, o: FileOptions = {}): EventOf<'FileUploaded'> {
      const content = o.content ?? `${name}#${version}`;
      const payload = {
        name,
        version,
        sha256: sha(content),
        size: o.size ?? 10 * version,
        ...withId(o.requestId),
      };
      return timed(f.make('FileUploaded', payload, origin(o.actor)), o.at) as EventOf<'FileUploaded'>;
    },
    restore(
      name: string,
      version: number,
      fromVersion: number,
      o: FileOptions = {},
    ): EventOf<'FileRestored'> {
      const content = o.content ?? `${name}#${fromVersion}`;
      const size = o.size ?? 10 * fromVersion;
      const payload = { name, version, fromVersion, sha256: sha(content), size, ...withId(o.requestId) };
      return timed(f.make('FileRestored', payload, origin(o.actor)), o.at) as EventOf<'FileRestored'>;
    },
    /** `content` and `size` must be those of `from`'s live version, as the domain decides them. */
    rename(
      from: string,
      to: string,
      version: number,
      fromVersion: number,
      o: FileOptions = {},
    ): EventOf<'FileRenamed'> {
      const content = o.content ?? `${from}#${fromVersion}`;
      const size = o.size ?? 10 * fromVersion;
      const payload = { from, to, version, fromVersion, sha256: sha(content), size, ...withId(o.requestId) };
      return timed(f.make('FileRenamed', payload, origin(o.actor)), o.at) as EventOf<'FileRenamed'>;
    },
    delete(name: string, version: number, o: FileOptions = {}): EventOf<'FileDeleted'> {
      const payload = { name, version, ...withId(o.requestId) };
      return timed(f.make('FileDeleted', payload, origin(o.actor)), o.at) as EventOf<'FileDeleted'>;
    },
    collected(contents: string[], at?: number): FerryEvent {
      const payload = { retentionDays: 0, blobs: contents.map(sha), versions: [] };
      return timed(f.make('GarbageCollected', payload, origin('local:op')), at);
    },
    listed(at?: number): FerryEvent {
      return timed(f.make('FilesListed', { prefix: '', count: 0 }), at);
    },
    make: <T extends EventType>(type: T, payload: EventPayloads[T], at?: number): FerryEvent =>
      timed(f.make(type, payload, origin('local:op')), at),
    by: <T extends EventType>(actor: string, type: T, payload: EventPayloads[T]): FerryEvent =>
      timed(f.make(type, payload, origin(actor))),
    loginFailed(remote: string, at: number): FerryEvent {
      const event = f.make(
        'LoginFailed',
        { user: 'mallory', reason: 'unknown-user' },
        { actor: 'anonymous', remote },
      );
      return timed(event, at);
    },
    banned(address: string, at: number, until: number, ban: number): FerryEvent {
      const payload = { address, until: iso(until), failures: 10, ban };
      return timed(f.make('AddressBanned', payload, { actor: 'anonymous', remote: `${address}:1` }), at);
    },
    unbanned(address: string, at: number): FerryEvent {
      return timed(f.make('AddressUnbanned', { address }, { actor: 'system:ferry', remote: address }), at);
    },
  };
}

/** The version an upload or restore event makes, as every read should give it back. */
function fileOf(event: EventOf<'FileUploaded'> | EventOf<'FileRestored'>): FileVersion {
  const { name, version, sha256, size } = event.payload;
  const file = { name, version, sha256, size, at: event.at, actor: event.actor, seq: event.seq };
  return event.type === 'FileRestored' ? { ...file, restoredFrom: event.payload.fromVersion } : file;
}

/** The version a rename makes under its new name. */
function renamedOf(event: EventOf<'FileRenamed'>): FileVersion {
  const { from, to, version, fromVersion, sha256, size } = event.payload;
  return {
    name: to,
    version,
    sha256,
    size,
    at: event.at,
    actor: event.actor,
    seq: event.seq,
    renamedFrom: { name: from, version: fromVersion },
  };
}

function names(files: readonly FileVersion[]): string[] {
  return files.map((file) => file.name);
}

/** Every page, each after the last name of the one before, checking none is longer than the limit. */
function pages(read: (page: PageRequest) => FileVersion[], limit: number): FileVersion[][] {
  const all: FileVersion[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = read(after === undefined ? { limit } : { after, limit });
    expect(page.length).toBeLessThanOrEqual(limit);
    all.push(page);
    if (page.length < limit) return all;
    after = page[page.length - 1].name;
  }
}

function catalogueStoreContract(label: string, open: () => Opened): void {
  describe(`CatalogueStore contract: ${label}`, () => {
    let opened: Opened;
    let store: CatalogueStore;
    beforeEach(() => {
      opened = open();
      store = opened.store;
    });
    afterEach(() => opened.close());

    /** The store and, reopened, what a restart would see: every assertion holds for both. */
    const both = (): CatalogueStore[] => [store, opened.reopen()];

    it('starts empty', () => {
      for (const s of both()) {
        expect(s.position()).toBe(0);
        expect(s.live('a')).toBeUndefined();
        expect(s.version('a', 1)).toBeUndefined();
        expect(s.latestVersion('a')).toBe(0);
        expect(s.history('a')).toEqual([]);
        expect(s.list('', ALL)).toEqual([]);
        expect(s.listAt('', 0, ALL)).toEqual([]);
        expect(s.usage('alice')).toEqual(NONE);
        expect(s.isCollected(sha('a'))).toBe(false);
        expect(s.outcomeOf('alice', 'r1')).toBeUndefined();
        expect(s.accounts.count).toBe(0);
        expect(s.accounts.list()).toEqual([]);
        expect(s.bans.bannedUntil('203.0.113.9')).toBeUndefined();
        expect(s.bans.failuresWithin('203.0.113.9', DAY, new Date(T0))).toBe(0);
        expect(s.bans.expired(new Date(T0))).toEqual([]);
        expect(s.bans.nextBanNumber('203.0.113.9', new Date(T0))).toBe(1);
        expect([...s.allVersions()]).toEqual([]);
      }
    });

    describe('live, version, latestVersion, history', () => {
      it('an upload makes version 1 live, and the position its seq', () => {
        const log = logOf();
        const v1 = log.upload('a', 1);
        store.fold([v1]);
        for (const s of both()) {
          expect(s.position()).toBe(1);
          expect(s.live('a')).toEqual(fileOf(v1));
          expect(s.live('a')).not.toHaveProperty('restoredFrom');
          expect(s.version('a', 1)).toEqual(fileOf(v1));
          expect(s.latestVersion('a')).toBe(1);
          expect(s.history('a')).toEqual([{ kind: 'uploaded', file: fileOf(v1) }]);
          expect(s.live('b')).toBeUndefined();
        }
      });

      it('a second upload replaces the live version and keeps the first', () => {
        const log = logOf();
        const [v1, other, v2] = [
          log.upload('a', 1),
          log.upload('b', 1),
          log.upload('a', 2, { actor: 'bob' }),
        ];
        store.fold([v1, other, v2]);
        for (const s of both()) {
          expect(s.live('a')).toEqual(fileOf(v2));
          expect(s.version('a', 1)).toEqual(fileOf(v1));
          expect(s.version('a', 2)).toEqual(fileOf(v2));
          expect(s.latestVersion('a')).toBe(2);
          expect(s.history('a')).toEqual([
            { kind: 'uploaded', file: fileOf(v1) },
            { kind: 'uploaded', file: fileOf(v2) },
          ]);
          expect(s.history('b')).toEqual([{ kind: 'uploaded', file: fileOf(other) }]);
        }
      });

      it('a delete ends the live version, keeping its versions, its history and the version counter', () => {
        const log = logOf();
        const [v1, v2, gone] = [log.upload('a', 1), log.upload('a', 2), log.delete('a', 2, { actor: 'bob' })];
        store.fold([v1, v2, gone]);
        for (const s of both()) {
          expect(s.position()).toBe(3);
          expect(s.live('a')).toBeUndefined();
          expect(s.version('a', 1)).toEqual(fileOf(v1));
          expect(s.version('a', 2)).toEqual(fileOf(v2));
          expect(s.latestVersion('a')).toBe(2);
          expect(s.history('a')).toEqual([
            { kind: 'uploaded', file: fileOf(v1) },
            { kind: 'uploaded', file: fileOf(v2) },
            { kind: 'deleted', deletion: { name: 'a', version: 2, at: gone.at, actor: 'bob', seq: 3 } },
          ]);
          expect(s.list('', ALL)).toEqual([]);
        }
      });

      it("a restore makes a new version with an earlier one's bytes, after a delete or over a live one", () => {
        const log = logOf();
        const v1 = log.upload('a', 1, { content: 'first', size: 5 });
        const v2 = log.upload('a', 2);
        const gone = log.delete('a', 2);
        const v3 = log.restore('a', 3, 1, { content: 'first', size: 5, actor: 'carol' });
        const v4 = log.restore('a', 4, 2);
        const v5 = log.upload('a', 5);
        store.fold([v1, v2, gone, v3]);
        expect(store.live('a')).toEqual({
          ...fileOf(v1),
          version: 3,
          at: v3.at,
          actor: 'carol',
          seq: 4,
          restoredFrom: 1,
        });
        store.fold([v4, v5]);
        for (const s of both()) {
          expect(s.version('a', 3)).toEqual(fileOf(v3));
          expect(s.version('a', 4)).toEqual(fileOf(v4));
          expect(s.live('a')).toEqual(fileOf(v5));
          expect(s.latestVersion('a')).toBe(5);
          const kinds = s.history('a').map((entry) => entry.kind);
          expect(kinds).toEqual(['uploaded', 'uploaded', 'deleted', 'restored', 'restored', 'uploaded']);
          expect(s.history('a')[3]).toEqual({ kind: 'restored', file: fileOf(v3) });
        }
      });

      it('knows no version 0, none beyond the latest, and nothing of a name never used', () => {
        const log = logOf();
        store.fold([log.upload('a', 1), log.upload('a', 2)]);
        for (const s of both()) {
          expect(s.version('a', 0)).toBeUndefined();
          expect(s.version('a', 3)).toBeUndefined();
          expect(s.version('never', 1)).toBeUndefined();
          expect(s.latestVersion('never')).toBe(0);
          expect(s.history('never')).toEqual([]);
          // A prefix of a name is not that name.
          expect(s.live('')).toBeUndefined();
          expect(s.history('a/')).toEqual([]);
        }
      });
    });

    describe('list', () => {
      // In JavaScript (UTF-16) order: é (U+00E9) < 😀 (U+D83D U+DE00) < U+FFFD, unlike code point order.
      const NAMES = ['b', 'a/2', '\uFFFD', 'a/10', 'a', 'ab', '😀', 'é', 'a/1', 'b/x'];
      const SORTED_LIVE = ['a', 'a/1', 'a/10', 'a/2', 'b', 'b/x', 'é', '😀', '\uFFFD'];

      function foldNames(): Map<string, FileVersion> {
        const log = logOf();
        const uploads = NAMES.map((name) => log.upload(name, 1));
        store.fold([...uploads, log.delete('ab', 1)]);
        return new Map(uploads.map((event) => [event.payload.name, fileOf(event)]));
      }

      it('gives the live files under a prefix in JavaScript string order, each as live() gives it', () => {
        const files = foldNames();
        for (const s of both()) {
          expect(s.list('', ALL)).toEqual(SORTED_LIVE.map((name) => files.get(name)));
          expect(names(s.list('a/', ALL))).toEqual(['a/1', 'a/10', 'a/2']);
          expect(names(s.list('a', ALL))).toEqual(['a', 'a/1', 'a/10', 'a/2']);
          expect(names(s.list('b', ALL))).toEqual(['b', 'b/x']);
          expect(names(s.list('a/1', ALL))).toEqual(['a/1', 'a/10']);
          expect(names(s.list('\uD83D', ALL))).toEqual(['😀']);
          expect(s.list('zz', ALL)).toEqual([]);
          expect(s.list('ab', ALL)).toEqual([]);
        }
      });

      it('pages: every name exactly once, in order, no page longer than its limit', () => {
        foldNames();
        for (const s of both()) {
          for (const prefix of ['', 'a', 'a/', 'b']) {
            const expected = SORTED_LIVE.filter((name) => name.startsWith(prefix));
            for (let limit = 1; limit <= expected.length + 1; limit++) {
              const read = pages((page) => s.list(prefix, page), limit);
              expect(names(read.flat())).toEqual(expected);
              // Full pages until the last, which is shorter (perhaps empty).
              expect(read.slice(0, -1).every((page) => page.length === limit)).toBe(true);
              expect(read.length).toBe(Math.floor(expected.length / limit) + 1);
            }
          }
        }
      });

      it('after: only names strictly after it, whether or not it names a live file', () => {
        foldNames();
        for (const s of both()) {
          expect(names(s.list('', { after: 'a/1', limit: 2 }))).toEqual(['a/10', 'a/2']);
          expect(names(s.list('', { after: 'a/15', limit: 10 }))).toEqual(SORTED_LIVE.slice(3));
          expect(names(s.list('', { after: 'ab', limit: 1 }))).toEqual(['b']);
          expect(names(s.list('a/', { after: 'a', limit: 10 }))).toEqual(['a/1', 'a/10', 'a/2']);
          expect(names(s.list('b', { after: 'a/2', limit: 10 }))).toEqual(['b', 'b/x']);
          expect(names(s.list('a', { after: 'a/10', limit: 10 }))).toEqual(['a/2']);
          expect(s.list('a', { after: 'b', limit: 10 })).toEqual([]);
          expect(s.list('', { after: '\uFFFD', limit: 10 })).toEqual([]);
          expect(names(s.list('', { after: 'é', limit: 10 }))).toEqual(['😀', '\uFFFD']);
          expect(s.list('', { limit: 0 })).toEqual([]);
        }
      });
    });

    describe('listAt', () => {
      it('gives the files live just after event seq, before the first event and after deletes', () => {
        const log = logOf();
        const a1 = log.upload('a', 1);
        const b1 = log.upload('b', 1);
        const a2 = log.upload('a', 2);
        const goneB = log.delete('b', 1);
        const b2 = log.restore('b', 2, 1);
        const listed = log.listed();
        const goneA = log.delete('a', 2);
        const c1 = log.upload('dir/c', 1);
        store.fold([a1, b1, a2, goneB, b2, listed, goneA, c1]);
        const expected: FileVersion[][] = [
          [],
          [fileOf(a1)],
          [fileOf(a1), fileOf(b1)],
          [fileOf(a2), fileOf(b1)],
          [fileOf(a2)],
          [fileOf(a2), fileOf(b2)],
          [fileOf(a2), fileOf(b2)],
          [fileOf(b2)],
          [fileOf(b2), fileOf(c1)],
        ];
        for (const s of both()) {
          expected.forEach((files, seq) => expect(s.listAt('', seq, ALL)).toEqual(files));
          // Beyond the position: as now.
          expect(s.listAt('', 100, ALL)).toEqual(s.list('', ALL));
          expect(s.listAt('b', 3, ALL)).toEqual([fileOf(b1)]);
          expect(s.listAt('dir/', 7, ALL)).toEqual([]);
          expect(s.listAt('', 5, { after: 'a', limit: 1 })).toEqual([fileOf(b2)]);
          expect(s.listAt('', 5, { limit: 1 })).toEqual([fileOf(a2)]);
          expect(s.listAt('', 3, { limit: 0 })).toEqual([]);
        }
      });

      it('pages the past as list pages the present', () => {
        const log = logOf();
        const made = ['e', 'd', 'c', 'b', 'a'];
        store.fold([...made.map((name) => log.upload(name, 1)), log.delete('c', 1), log.upload('f', 1)]);
        for (const s of both()) {
          for (let limit = 1; limit <= 4; limit++) {
            expect(names(pages((page) => s.listAt('', 3, page), limit).flat())).toEqual(['c', 'd', 'e']);
            expect(names(pages((page) => s.listAt('', 6, page), limit).flat())).toEqual(['a', 'b', 'd', 'e']);
          }
        }
      });
    });

    describe('usage', () => {
      it('counts the live files and bytes of whoever wrote each live version', () => {
        const log = logOf();
        store.fold([
          log.upload('a', 1, { actor: 'alice', size: 10 }),
          log.upload('b', 1, { actor: 'alice', size: 20 }),
          log.upload('c', 1, { actor: 'bob', size: 5 }),
        ]);
        expect(store.usage('alice')).toEqual({ files: 2, bytes: 30 });
        expect(store.usage('bob')).toEqual({ files: 1, bytes: 5 });
        // Bob replaces alice's a: it counts for him now.
        store.fold([log.upload('a', 2, { actor: 'bob', size: 7 })]);
        expect(store.usage('alice')).toEqual({ files: 1, bytes: 20 });
        expect(store.usage('bob')).toEqual({ files: 2, bytes: 12 });
        // Alice deletes bob's c: it stops counting for bob.
        store.fold([log.delete('c', 1, { actor: 'alice' })]);
        expect(store.usage('bob')).toEqual({ files: 1, bytes: 7 });
        // Carol restores a's first version: hers now, at its size.
        store.fold([log.restore('a', 3, 1, { actor: 'carol', size: 10 })]);
        for (const s of both()) {
          expect(s.usage('alice')).toEqual({ files: 1, bytes: 20 });
          expect(s.usage('bob')).toEqual(NONE);
          expect(s.usage('carol')).toEqual({ files: 1, bytes: 10 });
        }
        store.fold([log.delete('a', 3), log.delete('b', 1)]);
        for (const s of both())
          for (const actor of ['alice', 'bob', 'carol']) expect(s.usage(actor)).toEqual(NONE);
      });

      it('counts an empty file, and an own replacement once', () => {
        const log = logOf();
        store.fold([
          log.upload('e', 1, { size: 0 }),
          log.upload('a', 1, { size: 3 }),
          log.upload('a', 2, { size: 4 }),
        ]);
        for (const s of both()) expect(s.usage('alice')).toEqual({ files: 2, bytes: 4 });
      });
    });

    describe('isCollected', () => {
      it('is set by GarbageCollected, cleared by an upload of the same bytes, not by a restore', () => {
        const log = logOf();
        store.fold([log.upload('a', 1, { content: 'x' }), log.upload('a', 2, { content: 'y' })]);
        store.fold([log.collected(['x', 'z'])]);
        for (const s of both()) {
          expect(s.isCollected(sha('x'))).toBe(true);
          expect(s.isCollected(sha('z'))).toBe(true);
          expect(s.isCollected(sha('y'))).toBe(false);
        }
        store.fold([log.restore('a', 3, 1, { content: 'x' })]);
        expect(store.isCollected(sha('x'))).toBe(true);
        store.fold([log.upload('b', 1, { content: 'x' })]);
        for (const s of both()) {
          expect(s.isCollected(sha('x'))).toBe(false);
          expect(s.isCollected(sha('z'))).toBe(true);
        }
        store.fold([log.collected(['x'])]);
        for (const s of both()) expect(s.isCollected(sha('x'))).toBe(true);
      });
    });

    describe('outcomeOf', () => {
      it('gives what a request id did, per actor, for uploads, deletes and restores', () => {
        const log = logOf();
        const up = log.upload('a', 1, { requestId: 'r1' });
        const other = log.upload('b', 1);
        const gone = log.delete('a', 1, { requestId: 'r2' });
        const back = log.restore('a', 2, 1, { requestId: 'r3', actor: 'bob' });
        store.fold([up, other, gone, back]);
        for (const s of both()) {
          expect(s.outcomeOf('alice', 'r1')).toEqual({
            seq: 1,
            type: 'FileUploaded',
            at: up.at,
            payload: up.payload,
          });
          expect(s.outcomeOf('alice', 'r2')).toEqual({
            seq: 3,
            type: 'FileDeleted',
            at: gone.at,
            payload: { name: 'a', version: 1, requestId: 'r2' },
          });
          expect(s.outcomeOf('bob', 'r3')).toEqual({
            seq: 4,
            type: 'FileRestored',
            at: back.at,
            payload: back.payload,
          });
          expect(s.outcomeOf('bob', 'r1')).toBeUndefined();
          expect(s.outcomeOf('alice', 'r3')).toBeUndefined();
        }
      });

      it('remembers a request id for 24 h of event time, until the first file event past that', () => {
        const log = logOf();
        store.fold([
          log.upload('a', 1, { requestId: 'old', at: T0 }),
          log.upload('b', 1, { requestId: 'new', at: T0 + HOUR }),
        ]);
        // Exactly a day later it is still inside the window.
        store.fold([log.upload('c', 1, { at: T0 + REQUEST_ID_WINDOW_MS })]);
        expect(store.outcomeOf('alice', 'old')).toMatchObject({ seq: 1 });
        // Only file events forget: a listing two days later leaves it be.
        store.fold([log.listed(T0 + 2 * DAY)]);
        for (const s of both()) expect(s.outcomeOf('alice', 'old')).toMatchObject({ seq: 1 });
        store.fold([log.delete('c', 1, { at: T0 + 2 * DAY })]);
        for (const s of both()) {
          expect(s.outcomeOf('alice', 'old')).toBeUndefined();
          expect(s.outcomeOf('alice', 'new')).toBeUndefined();
        }
      });

      it('forgets only what fell out of the window', () => {
        const log = logOf();
        store.fold([
          log.upload('a', 1, { requestId: 'old', at: T0 }),
          log.upload('b', 1, { requestId: 'new', at: T0 + HOUR }),
        ]);
        store.fold([log.upload('c', 1, { at: T0 + REQUEST_ID_WINDOW_MS + 1 })]);
        for (const s of both()) {
          expect(s.outcomeOf('alice', 'old')).toBeUndefined();
          expect(s.outcomeOf('alice', 'new')).toMatchObject({ seq: 2, payload: { name: 'b' } });
        }
      });

      it('answers the latest use of an id used again after the window', () => {
        const log = logOf();
        store.fold([log.upload('a', 1, { requestId: 'r1', at: T0 })]);
        const again = log.upload('b', 1, { requestId: 'r1', at: T0 + 2 * DAY });
        store.fold([again]);
        for (const s of both())
          expect(s.outcomeOf('alice', 'r1')).toEqual({
            seq: 2,
            type: 'FileUploaded',
            at: again.at,
            payload: again.payload,
          });
      });
    });

    describe('fold', () => {
      it('refuses an event whose seq is not after position(), changing nothing', () => {
        const log = logOf();
        const events = [log.upload('a', 1, { requestId: 'r1' }), log.upload('b', 1), log.delete('a', 1)];
        store.fold(events);
        const before = {
          live: store.list('', ALL),
          history: store.history('a'),
          usage: store.usage('alice'),
        };
        expect(() => store.fold([{ ...log.upload('c', 1), seq: 3 }])).toThrow(/out of order/);
        expect(() => store.fold([{ ...log.upload('c', 1), seq: 1 }])).toThrow(/out of order/);
        expect(() =>
          store.fold([{ ...log.make('UserAdded', { user: 'x', role: 'read', passwordSet: false }), seq: 2 }]),
        ).toThrow(/out of order/);
        store.fold([]);
        for (const s of both()) {
          expect(s.position()).toBe(3);
          expect(s.live('c')).toBeUndefined();
          expect(s.latestVersion('c')).toBe(0);
          expect(s.accounts.get('x')).toBeUndefined();
          expect({ live: s.list('', ALL), history: s.history('a'), usage: s.usage('alice') }).toEqual(before);
        }
        // The refused events used seqs 4 to 6 of the factory: the next one is 7.
        store.fold([log.upload('d', 1)]);
        expect(store.position()).toBe(7);
      });

      it('folds all of a batch or none of it: files', () => {
        const log = logOf();
        store.fold([log.upload('a', 1)]);
        const c1 = log.upload('c', 1);
        expect(() => store.fold([c1, { ...log.upload('c', 2), seq: c1.seq }])).toThrow(/out of order/);
        expect(store.position()).toBe(1);
        expect(store.live('c')).toBeUndefined();
        expect(store.latestVersion('c')).toBe(0);
      });

      it('folds all of a batch or none of it: accounts and bans', () => {
        const log = logOf();
        store.fold([log.upload('a', 1)]);
        const added = log.make('UserAdded', { user: 'ghost', role: 'admin', passwordSet: false });
        const failed = log.loginFailed('203.0.113.9:1', T0);
        expect(() => store.fold([added, failed, { ...log.upload('c', 1), seq: failed.seq }])).toThrow(
          /out of order/,
        );
        expect(store.position()).toBe(1);
        expect(store.accounts.get('ghost')).toBeUndefined();
        expect(store.bans.failuresWithin('203.0.113.9', DAY, new Date(T0))).toBe(0);
      });
    });

    describe('accounts', () => {
      it('folds every account event; changes to an account that does not exist change nothing', () => {
        const log = logOf();
        const alice = log.make('UserAdded', {
          user: 'alice',
          role: 'write',
          prefix: 'alice/',
          passwordSet: true,
        });
        const bob = log.make('UserAdded', { user: 'bob', role: 'read', passwordSet: false });
        store.fold([alice, bob]);
        for (const s of both()) {
          expect(s.accounts.count).toBe(2);
          expect(s.accounts.get('alice')).toEqual({
            name: 'alice',
            role: 'write',
            prefix: 'alice/',
            disabled: false,
            passwordEvent: alice.id,
            quota: {},
            createdAt: alice.at,
          });
          expect(s.accounts.get('bob')).toEqual({
            name: 'bob',
            role: 'read',
            disabled: false,
            quota: {},
            createdAt: bob.at,
          });
          expect(s.accounts.get('bob')).not.toHaveProperty('prefix');
          expect(s.accounts.get('bob')).not.toHaveProperty('passwordEvent');
        }
        const role = log.make('UserRoleChanged', { user: 'alice', role: 'admin' });
        const passwd = log.make('UserPasswordChanged', { user: 'bob' });
        store.fold([
          role,
          passwd,
          log.make('UserPrefixChanged', { user: 'alice', prefix: null }),
          log.make('UserPrefixChanged', { user: 'bob', prefix: 'shared/' }),
          log.make('UserDisabled', { user: 'alice' }),
          log.make('UserQuotaChanged', { user: 'bob', bytes: 0, files: null }),
          log.make('UserDisabled', { user: 'ghost' }),
          log.make('UserQuotaChanged', { user: 'ghost', bytes: 1, files: 1 }),
          log.make('UserAdded', { user: 'Zed', role: 'read', passwordSet: false }),
        ]);
        for (const s of both()) {
          expect(s.accounts.list().map((account) => account.name)).toEqual(['Zed', 'alice', 'bob']);
          expect(s.accounts.get('alice')).toMatchObject({
            role: 'admin',
            disabled: true,
            passwordEvent: alice.id,
          });
          expect(s.accounts.get('alice')?.prefix).toBeUndefined();
          expect(s.accounts.get('bob')).toMatchObject({
            prefix: 'shared/',
            passwordEvent: passwd.id,
            quota: { bytes: 0 },
          });
          expect(s.accounts.get('bob')?.quota).not.toHaveProperty('files');
          expect(s.accounts.get('ghost')).toBeUndefined();
          expect(s.accounts.count).toBe(3);
        }
        store.fold([
          log.make('UserEnabled', { user: 'alice' }),
          log.make('UserQuotaChanged', { user: 'bob', bytes: null, files: 2 }),
        ]);
        for (const s of both()) {
          expect(s.accounts.get('alice')?.disabled).toBe(false);
          expect(s.accounts.get('bob')?.quota).toEqual({ files: 2 });
          expect(s.accounts.list()).toEqual(store.accounts.list());
        }
      });
    });

    describe('held uploads', () => {
      const interrupted = (name: string, upload: string, from: number, held: number) =>
        ({ name, upload, from, bytes: held - from, held, size: 1000 }) as const;

      it('folds interruptions per actor and upload id, and ends them by publication, refusal or expiry', () => {
        const log = logOf();
        const first = log.by('alice', 'UploadInterrupted', interrupted('a.bin', 'u1', 0, 100));
        const bobs = log.by('bob', 'UploadInterrupted', interrupted('b.bin', 'u1', 0, 50));
        const again = log.by('alice', 'UploadInterrupted', interrupted('a.bin', 'u1', 100, 400));
        const other = log.by('alice', 'UploadInterrupted', interrupted('c.bin', 'u2', 0, 7));
        store.fold([first, bobs, again, other]);
        const heldOf = (event: FerryEvent, actor: string, upload: string, name: string, held: number) => ({
          actor,
          upload,
          name,
          held,
          at: event.at,
          seq: event.seq,
        });
        for (const s of both()) {
          expect(s.heldUploads.get('alice', 'u1')).toEqual(heldOf(again, 'alice', 'u1', 'a.bin', 400));
          expect(s.heldUploads.get('carol', 'u1')).toBeUndefined();
          // Oldest interruption first: bob's, then alice's u1 (its last attempt), then u2.
          expect(s.heldUploads.all().map(({ actor, upload }) => `${actor}/${upload}`)).toEqual([
            'bob/u1',
            'alice/u1',
            'alice/u2',
          ]);
        }
        const published = log.by('alice', 'FileUploaded', {
          name: 'a.bin',
          version: 1,
          sha256: sha('a'),
          size: 1000,
          upload: { id: 'u1', from: 400 },
        });
        const refused = log.by('bob', 'CommandRejected', {
          command: 'UPLOAD',
          name: 'b.bin',
          code: 'CHECKSUM_MISMATCH',
          message: 'no',
          upload: 'u1',
        });
        store.fold([published, refused]);
        for (const s of both()) {
          expect(s.heldUploads.all().map(({ actor, upload }) => `${actor}/${upload}`)).toEqual(['alice/u2']);
        }
        const expired = log.by('system:ferry', 'UploadsExpired', {
          hours: 24,
          uploads: [
            { actor: 'alice', upload: 'u2', name: 'c.bin', held: 7 },
            { actor: 'nobody', upload: 'never', name: 'x', held: 1 },
          ],
        });
        store.fold([expired]);
        for (const s of both()) expect(s.heldUploads.all()).toEqual([]);
      });

      it('a refusal without an upload id, or of another actor, ends nothing', () => {
        const log = logOf();
        store.fold([
          log.by('alice', 'UploadInterrupted', interrupted('a.bin', 'u1', 0, 10)),
          log.by('alice', 'CommandRejected', {
            command: 'UPLOAD',
            name: 'a.bin',
            code: 'FORBIDDEN',
            message: 'no',
          }),
          log.by('bob', 'CommandRejected', {
            command: 'UPLOAD',
            name: 'a.bin',
            code: 'CHECKSUM_MISMATCH',
            message: 'no',
            upload: 'u1',
          }),
        ]);
        for (const s of both()) expect(s.heldUploads.get('alice', 'u1')?.held).toBe(10);
      });
    });

    describe('account keys', () => {
      it('folds UserKeyAdded and UserKeyRemoved, in order, and reads them back after a reopen', () => {
        const log = logOf();
        const k = (n: string) => ({ fingerprint: `SHA256:${n}`, key: `ssh-ed25519 ${n} comment "${n}"` });
        store.fold([
          log.make('UserAdded', { user: 'alice', role: 'write', passwordSet: false }),
          log.make('UserKeyAdded', { user: 'alice', ...k('b') }),
          log.make('UserKeyAdded', { user: 'alice', ...k('a') }),
          log.make('UserKeyAdded', { user: 'alice', ...k('c') }),
          log.make('UserKeyRemoved', { user: 'alice', fingerprint: 'SHA256:a' }),
          log.make('UserKeyAdded', { user: 'ghost', ...k('g') }),
        ]);
        for (const s of both()) {
          expect(s.accounts.get('alice')?.keys).toEqual([k('b'), k('c')]);
          expect(s.accounts.get('ghost')).toBeUndefined();
        }
        store.fold([
          log.make('UserKeyRemoved', { user: 'alice', fingerprint: 'SHA256:b' }),
          log.make('UserKeyRemoved', { user: 'alice', fingerprint: 'SHA256:c' }),
        ]);
        for (const s of both()) expect(s.accounts.get('alice')).not.toHaveProperty('keys');
      });
    });

    describe('bans', () => {
      const A = '203.0.113.9';
      const B = '198.51.100.7';

      it('counts failed logins per address, whatever the port or the IPv4-in-IPv6 form', () => {
        const log = logOf();
        store.fold([
          log.loginFailed(`${A}:1000`, T0),
          log.loginFailed(`${A}:1001`, T0 + MINUTE),
          log.loginFailed(`::ffff:${A}:1002`, T0 + 2 * MINUTE),
          log.loginFailed(`${B}:1`, T0 + 3 * MINUTE),
        ]);
        const now = new Date(T0 + 5 * MINUTE);
        for (const s of both()) {
          expect(s.bans.failuresWithin(A, 10 * MINUTE, now)).toBe(3);
          // The window ending at now is half-open: a failure exactly windowMs ago is out.
          expect(s.bans.failuresWithin(A, 4 * MINUTE + 1, now)).toBe(2);
          expect(s.bans.failuresWithin(A, 4 * MINUTE, now)).toBe(1);
          expect(s.bans.failuresWithin(B, 10 * MINUTE, now)).toBe(1);
          expect(s.bans.failuresWithin(`${A}:1000`, 10 * MINUTE, now)).toBe(0);
          expect(s.bans.bannedUntil(A)).toBeUndefined();
        }
      });

      it('a ban clears the failures, runs until its end, is lifted by AddressUnbanned, and counts in a streak', () => {
        const log = logOf();
        const until = T0 + HOUR;
        store.fold([
          log.loginFailed(`${A}:1`, T0),
          log.banned(A, T0 + MINUTE, until, 2),
          log.banned(B, T0 + MINUTE, until + HOUR, 1),
        ]);
        for (const s of both()) {
          expect(s.bans.bannedUntil(A)).toEqual(new Date(until));
          expect(s.bans.failuresWithin(A, DAY, new Date(T0 + 2 * MINUTE))).toBe(0);
          expect(s.bans.expired(new Date(until - 1))).toEqual([]);
          expect(s.bans.expired(new Date(until))).toEqual([A]);
          expect([...s.bans.expired(new Date(until + HOUR))].sort()).toEqual([B, A]);
          expect(s.bans.nextBanNumber(A, new Date(until + HOUR))).toBe(3);
        }
        store.fold([log.unbanned(A, until)]);
        for (const s of both()) {
          expect(s.bans.bannedUntil(A)).toBeUndefined();
          expect(s.bans.bannedUntil(B)).toEqual(new Date(until + HOUR));
          expect(s.bans.expired(new Date(until + 2 * HOUR))).toEqual([B]);
          // The streak goes on within a day of the ban's end, and starts again after.
          expect(s.bans.nextBanNumber(A, new Date(until + DAY))).toBe(3);
          expect(s.bans.nextBanNumber(A, new Date(until + DAY + 1))).toBe(1);
        }
        store.fold([log.loginFailed(`${A}:1`, until + MINUTE)]);
        for (const s of both()) expect(s.bans.failuresWithin(A, DAY, new Date(until + MINUTE))).toBe(1);
      });

      it('forgets an address idle for a day once another fails', () => {
        const log = logOf();
        store.fold([log.loginFailed(`${B}:1`, T0), log.loginFailed(`${A}:1`, T0 + HOUR)]);
        store.fold([log.loginFailed(`${A}:1`, T0 + DAY + 1)]);
        for (const s of both()) {
          expect(s.bans.failuresWithin(B, 2 * DAY, new Date(T0 + DAY + 1))).toBe(0);
          expect(s.bans.failuresWithin(A, 2 * DAY, new Date(T0 + DAY + 1))).toBe(2);
        }
      });
    });

    describe('allVersions', () => {
      it('gives every version of every name, with when it stopped being live', () => {
        const log = logOf();
        const a1 = log.upload('a', 1);
        const b1 = log.upload('b', 1);
        const a2 = log.upload('a', 2);
        const goneA = log.delete('a', 2);
        const a3 = log.restore('a', 3, 1);
        const goneB = log.delete('b', 1);
        store.fold([a1, b1, a2, goneA, a3, goneB]);
        for (const s of both()) {
          const versions = [...s.allVersions()].sort((x, y) => x.seq - y.seq);
          expect(versions).toEqual([
            { ...fileOf(a1), endedAt: a2.at },
            { ...fileOf(b1), endedAt: goneB.at },
            { ...fileOf(a2), endedAt: goneA.at },
            fileOf(a3),
          ]);
          expect(versions[3]).not.toHaveProperty('endedAt');
        }
      });
    });

    describe('rename', () => {
      it('moves the live version: the old name keeps its versions and history, the new one gets a version', () => {
        const log = logOf();
        const a1 = log.upload('a', 1);
        const a2 = log.upload('a', 2, { size: 7 });
        const moved = log.rename('a', 'dir/b', 1, 2, { actor: 'bob', size: 7, requestId: 'm1' });
        store.fold([a1, a2, moved]);
        for (const s of both()) {
          expect(s.position()).toBe(3);
          expect(s.live('a')).toBeUndefined();
          expect(s.latestVersion('a')).toBe(2);
          expect(s.version('a', 2)).toEqual(fileOf(a2));
          expect(s.live('dir/b')).toEqual(renamedOf(moved));
          expect(s.version('dir/b', 1)).toEqual(renamedOf(moved));
          expect(s.latestVersion('dir/b')).toBe(1);
          expect(s.history('a')).toEqual([
            { kind: 'uploaded', file: fileOf(a1) },
            { kind: 'uploaded', file: fileOf(a2) },
            {
              kind: 'renamed-to',
              deletion: { name: 'a', version: 2, at: moved.at, actor: 'bob', seq: 3, renamedTo: 'dir/b' },
            },
          ]);
          expect(s.history('dir/b')).toEqual([{ kind: 'renamed-from', file: renamedOf(moved) }]);
          expect(names(s.list('', ALL))).toEqual(['dir/b']);
          // The moved version is the renamer's now: it stops counting for alice and counts for bob.
          expect(s.usage('alice')).toEqual(NONE);
          expect(s.usage('bob')).toEqual({ files: 1, bytes: 7 });
          expect(s.outcomeOf('bob', 'm1')).toEqual({
            seq: 3,
            type: 'FileRenamed',
            at: moved.at,
            payload: moved.payload,
          });
        }
      });

      it('listAt and allVersions see the old name live before the rename and the new one after', () => {
        const log = logOf();
        const a1 = log.upload('a', 1);
        const moved = log.rename('a', 'b', 1, 1);
        const listed = log.listed();
        store.fold([a1, moved, listed]);
        for (const s of both()) {
          expect(s.listAt('', 1, ALL)).toEqual([fileOf(a1)]);
          expect(s.listAt('', 2, ALL)).toEqual([renamedOf(moved)]);
          expect(s.listAt('', 3, ALL)).toEqual([renamedOf(moved)]);
          const versions = [...s.allVersions()].sort((x, y) => x.seq - y.seq);
          expect(versions).toEqual([{ ...fileOf(a1), endedAt: moved.at }, renamedOf(moved)]);
        }
      });

      it('replaces a live target (ending its version for its writer), and can move back', () => {
        const log = logOf();
        const a1 = log.upload('a', 1, { size: 3 });
        const b1 = log.upload('b', 1, { actor: 'bob', size: 5 });
        const over = log.rename('a', 'b', 2, 1, { size: 3 });
        const back = log.rename('b', 'a', 2, 2, { content: 'a#1', size: 3, actor: 'carol' });
        store.fold([a1, b1, over]);
        for (const s of both()) {
          expect(s.usage('bob')).toEqual(NONE);
          expect(s.usage('alice')).toEqual({ files: 1, bytes: 3 });
          expect(s.live('b')).toEqual(renamedOf(over));
          expect(s.history('b').map((entry) => entry.kind)).toEqual(['uploaded', 'renamed-from']);
          expect([...s.allVersions()].find((v) => v.name === 'b' && v.version === 1)?.endedAt).toBe(over.at);
        }
        store.fold([back]);
        for (const s of both()) {
          expect(s.live('b')).toBeUndefined();
          expect(s.live('a')).toEqual(renamedOf(back));
          expect(s.live('a')?.sha256).toBe(a1.payload.sha256);
          expect(s.history('a').map((entry) => entry.kind)).toEqual([
            'uploaded',
            'renamed-to',
            'renamed-from',
          ]);
          expect(s.history('b').map((entry) => entry.kind)).toEqual([
            'uploaded',
            'renamed-from',
            'renamed-to',
          ]);
          expect(s.usage('alice')).toEqual(NONE);
          expect(s.usage('carol')).toEqual({ files: 1, bytes: 3 });
          expect(names(s.list('', ALL))).toEqual(['a']);
        }
      });

      it('refuses a rename the log could not have held, changing nothing', () => {
        const log = logOf();
        store.fold([log.upload('a', 1), log.upload('b', 1), log.delete('b', 1)]);
        const bad = [
          log.rename('gone', 'c', 1, 1), // no live source
          log.rename('b', 'c', 1, 1), // the source is deleted
          log.rename('a', 'c', 1, 2), // not the live version
          log.rename('a', 'b', 1, 1), // b is at version 1 already
          log.rename('a', 'a', 2, 1), // onto itself
        ];
        for (const event of bad) {
          expect(() => store.fold([{ ...event, seq: store.position() + 1 }])).toThrow(/FileRenamed/);
        }
        for (const s of both()) {
          expect(s.position()).toBe(3);
          expect(s.live('a')).toMatchObject({ version: 1 });
          expect(s.latestVersion('c')).toBe(0);
          expect(s.history('a').map((entry) => entry.kind)).toEqual(['uploaded']);
          expect(s.usage('alice')).toEqual({ files: 1, bytes: 10 });
        }
      });
    });

    describe('folders', () => {
      it('folds FolderCreated and FolderRemoved; lists explicit folders under a prefix, paged', () => {
        const log = logOf();
        const paths = ['b/', 'a/', 'a/x/', 'a/é/', 'a/😀/', 'ab/'];
        store.fold([
          ...paths.map((path) => log.make('FolderCreated', { path })),
          log.make('FolderRemoved', { path: 'b/' }),
          log.make('FolderRemoved', { path: 'never/' }),
        ]);
        for (const s of both()) {
          expect(s.explicitFolder('a/')).toBe(true);
          expect(s.explicitFolder('b/')).toBe(false);
          expect(s.explicitFolder('a')).toBe(false);
          expect(s.listFolders('', ALL)).toEqual(['a/', 'a/x/', 'a/é/', 'a/😀/', 'ab/']);
          expect(s.listFolders('a/', ALL)).toEqual(['a/', 'a/x/', 'a/é/', 'a/😀/']);
          expect(s.listFolders('a/', { after: 'a/', limit: 2 })).toEqual(['a/x/', 'a/é/']);
          expect(s.listFolders('a/', { after: 'a/é/', limit: 10 })).toEqual(['a/😀/']);
          expect(s.listFolders('a', { limit: 0 })).toEqual([]);
          expect(s.listFolders('c', ALL)).toEqual([]);
          // Folders are not files.
          expect(s.list('', ALL)).toEqual([]);
        }
      });

      it('a folder made twice is one; hasLiveUnder sees live names only', () => {
        const log = logOf();
        store.fold([
          log.make('FolderCreated', { path: 'f/' }),
          log.make('FolderCreated', { path: 'f/' }),
          log.upload('d/x', 1),
          log.upload('e/y', 1),
          log.delete('e/y', 1),
        ]);
        for (const s of both()) {
          expect(s.listFolders('', ALL)).toEqual(['f/']);
          expect(s.hasLiveUnder('d/')).toBe(true);
          expect(s.hasLiveUnder('d')).toBe(true);
          expect(s.hasLiveUnder('e/')).toBe(false);
          expect(s.hasLiveUnder('f/')).toBe(false);
          expect(s.hasLiveUnder('')).toBe(true);
        }
      });
    });

    it('history keeps each name to itself, in log order', () => {
      const log = logOf();
      const events = [
        log.upload('a', 1),
        log.upload('ab', 1),
        log.delete('a', 1),
        log.upload('a', 2),
        log.delete('ab', 1),
      ];
      store.fold(events);
      const expected: HistoryEntry[] = [
        { kind: 'uploaded', file: fileOf(events[0] as EventOf<'FileUploaded'>) },
        { kind: 'deleted', deletion: { name: 'a', version: 1, at: events[2].at, actor: 'alice', seq: 3 } },
        { kind: 'uploaded', file: fileOf(events[3] as EventOf<'FileUploaded'>) },
      ];
      for (const s of both()) {
        expect(s.history('a')).toEqual(expected);
        expect(s.history('ab').map((entry) => entry.kind)).toEqual(['uploaded', 'deleted']);
      }
    });
  });
}

catalogueStoreContract('in-memory Catalogue', () => {
  const catalogue = new Catalogue();
  return { store: catalogue, reopen: () => catalogue, close: () => undefined };
});

catalogueStoreContract('SqliteCatalogueStore on a migrated database', () => {
  const db = new Database(':memory:');
  migrate(db, () => iso(T0));
  return {
    store: new SqliteCatalogueStore(db),
    reopen: () => new SqliteCatalogueStore(db),
    close: () => db.close(),
  };
});
