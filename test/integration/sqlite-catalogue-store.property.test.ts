import Database from 'better-sqlite3';
import fc from 'fast-check';
import { Catalogue, FileVersion } from '../../src/domain/catalogue';
import { FerryEvent } from '../../src/domain/events';
import { PageRequest } from '../../src/domain/ports/catalogue-store.port';
import { keyAfter, nameKey, nameOfKey, prefixRange } from '../../src/infra/sqlite/name-sort-key';
import { CATALOGUE_TABLES, createCatalogueTables } from '../../src/infra/sqlite/sqlite-catalogue-schema';
import { SqliteCatalogueStore } from '../../src/infra/sqlite/sqlite-catalogue-store';
import { shaOf } from '../support/domain-events';

// Pieces that share prefixes, cross the UTF-16 / code point ordering divide (U+E000.., U+FFFD vs astral)
// and contain surrogate pairs, so a prefix may end in half of one.
const PIECES = [
  'a',
  'b',
  'ab',
  '/',
  'é',
  'ß',
  '中',
  '\uE000',
  '\uFFFD',
  '😀',
  '📁',
  '\u{10FFFF}',
  'Z',
  ' ',
  '~',
];
const ACTORS = ['alice', 'bob', 'carol'];
const REQUEST_IDS = ['r1', 'r2', 'r3'];
const CONTENTS = 6;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 1);

type Intent =
  | { op: 'upload'; name: number; actor: number; content: number; requestId?: string; dt: number }
  | { op: 'restore'; name: number; actor: number; from: number; requestId?: string; dt: number }
  | { op: 'delete'; name: number; actor: number; requestId?: string; dt: number }
  | { op: 'gc'; contents: number[]; dt: number }
  | { op: 'other'; actor: number; dt: number };

const nameArb = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 4 }).map((p) => p.join(''));
const actor = fc.nat({ max: ACTORS.length - 1 });
const requestId = fc.option(fc.constantFrom(...REQUEST_IDS), { nil: undefined });
// Mostly forward in time, sometimes past the 24 h request window, now and then a clock stepping back.
const dt = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: HOUR }), weight: 8 },
  { arbitrary: fc.integer({ min: 20 * HOUR, max: 30 * HOUR }), weight: 1 },
  { arbitrary: fc.integer({ min: -5000, max: -1 }), weight: 1 },
);
const intent: fc.Arbitrary<Intent> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('upload' as const),
      name: fc.nat(),
      actor,
      content: fc.nat({ max: CONTENTS - 1 }),
      requestId,
      dt,
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('restore' as const),
      name: fc.nat(),
      actor,
      from: fc.nat(),
      requestId,
      dt,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ op: fc.constant('delete' as const), name: fc.nat(), actor, requestId, dt }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('gc' as const),
      contents: fc.uniqueArray(fc.nat({ max: CONTENTS - 1 })),
      dt,
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant('other' as const), actor, dt }), weight: 1 },
);

interface Scenario {
  readonly names: string[];
  readonly events: FerryEvent[];
}

const scenario: fc.Arbitrary<Scenario> = fc
  .tuple(fc.uniqueArray(nameArb, { minLength: 1, maxLength: 10 }), fc.array(intent, { maxLength: 60 }))
  .map(([names, intents]) => ({ names, events: eventsOf(names, intents) }));

const contentSha = (content: number): string => shaOf(`content-${content}`);

/** Turns intents into a log the domain could have written: versions count up, deletes hit live names. */
function eventsOf(names: readonly string[], intents: readonly Intent[]): FerryEvent[] {
  const versions = new Map<string, { sha256: string; size: number }[]>();
  const live = new Map<string, number>();
  const events: FerryEvent[] = [];
  let time = START;
  const push = (actor: number, type: FerryEvent['type'], payload: object, step: number): void => {
    time += step;
    const seq = events.length + 1;
    const at = new Date(time).toISOString();
    const origin = { actor: ACTORS[actor], session: `s-${actor}`, remote: '127.0.0.1:1' };
    events.push({ seq, id: `e-${seq}`, type, at, payload, ...origin } as FerryEvent);
  };
  const withId = (id: string | undefined) => (id === undefined ? {} : { requestId: id });
  for (const i of intents) {
    if (i.op === 'gc') {
      const blobs = i.contents.map(contentSha);
      push(0, 'GarbageCollected', { retentionDays: 0, blobs, versions: [] }, i.dt);
      continue;
    }
    if (i.op === 'other') {
      push(i.actor, 'FilesListed', { prefix: '', count: 0 }, i.dt);
      continue;
    }
    const name = names[i.name % names.length];
    const made = versions.get(name) ?? [];
    versions.set(name, made);
    if (i.op === 'delete') {
      const version = live.get(name);
      if (version === undefined) {
        push(i.actor, 'CommandRejected', { command: 'DELETE', name, code: 'NOT_FOUND', message: 'no' }, i.dt);
      } else {
        live.delete(name);
        push(i.actor, 'FileDeleted', { name, version, ...withId(i.requestId) }, i.dt);
      }
      continue;
    }
    const version = made.length + 1;
    if (i.op === 'restore' && made.length > 0) {
      const fromVersion = (i.from % made.length) + 1;
      const { sha256, size } = made[fromVersion - 1];
      made.push({ sha256, size });
      live.set(name, version);
      push(
        i.actor,
        'FileRestored',
        { name, version, fromVersion, sha256, size, ...withId(i.requestId) },
        i.dt,
      );
      continue;
    }
    const content = i.op === 'upload' ? i.content : i.from % CONTENTS;
    const sha256 = contentSha(content);
    const size = content * 7 + 1;
    made.push({ sha256, size });
    live.set(name, version);
    push(i.actor, 'FileUploaded', { name, version, sha256, size, ...withId(i.requestId) }, i.dt);
  }
  return events;
}

function openStore(): { db: Database.Database; store: SqliteCatalogueStore } {
  const db = new Database(':memory:');
  createCatalogueTables(db);
  return { db, store: new SqliteCatalogueStore(db) };
}

/** Every prefix (in code units, so also half a surrogate pair) of every name, the pieces, and the empty one. */
function prefixesOf(names: readonly string[]): string[] {
  const prefixes = new Set<string>(['', 'zzz', ...PIECES]);
  for (const name of names) for (let i = 1; i <= name.length; i++) prefixes.add(name.slice(0, i));
  return [...prefixes];
}

/** Reads every page, each after the last name of the one before. */
function allPages(read: (page: PageRequest) => FileVersion[], limit: number): FileVersion[] {
  const files: FileVersion[] = [];
  let after: string | undefined;
  for (;;) {
    const page = read({ after, limit });
    expect(page.length).toBeLessThanOrEqual(limit);
    files.push(...page);
    if (page.length < limit) return files;
    after = page[page.length - 1].name;
  }
}

function expectSameReads(
  store: SqliteCatalogueStore,
  catalogue: Catalogue,
  names: readonly string[],
  pageSize: number,
): void {
  expect(store.position()).toBe(catalogue.position);
  for (const name of [...names, 'never-used']) {
    expect(store.live(name)).toEqual(catalogue.live(name));
    const latest = catalogue.latestVersion(name);
    expect(store.latestVersion(name)).toBe(latest);
    expect(store.history(name)).toEqual(catalogue.history(name));
    for (let v = 0; v <= latest + 1; v++) expect(store.version(name, v)).toEqual(catalogue.version(name, v));
  }
  for (const prefix of prefixesOf(names)) {
    expect(allPages((page) => store.list(prefix, page), pageSize)).toEqual(catalogue.list(prefix));
  }
  for (const actor of [...ACTORS, 'nobody']) {
    expect(store.usage(actor)).toEqual(catalogue.usage(actor));
    for (const id of [...REQUEST_IDS, 'r-unknown']) {
      expect(store.outcomeOf(actor, id)).toEqual(catalogue.outcomeOf(actor, id));
    }
  }
  for (let c = 0; c <= CONTENTS; c++) {
    expect(store.isCollected(contentSha(c))).toBe(catalogue.isCollected(contentSha(c)));
  }
}

/** Splits `events` into consecutive batches whose sizes cycle through `sizes`. */
function batches<T>(events: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  for (let i = 0, b = 0; i < events.length; b++) {
    const size = sizes[b % sizes.length];
    out.push(events.slice(i, i + size));
    i += size;
  }
  return out;
}

function dump(db: Database.Database): Record<string, string[]> {
  const tables: Record<string, string[]> = {};
  for (const table of CATALOGUE_TABLES) {
    const rows = db.prepare(`SELECT * FROM ${table}`).all();
    tables[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return tables;
}

const batchSizes = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 5 });

describe('the SQLite catalogue projection answers what the in-memory Catalogue answers', () => {
  it('after every batch: live, version, latest, history, paged list, usage, collected, outcomes', () => {
    fc.assert(
      fc.property(
        scenario,
        batchSizes,
        fc.integer({ min: 1, max: 7 }),
        ({ names, events }, sizes, pageSize) => {
          const { db, store } = openStore();
          try {
            const catalogue = new Catalogue();
            expectSameReads(store, catalogue, names, pageSize);
            for (const batch of batches(events, sizes)) {
              store.apply(batch);
              for (const event of batch) catalogue.apply(event);
              expectSameReads(store, catalogue, names, pageSize);
            }
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('time travel: listAt(prefix, k) equals the list of a catalogue fed only the first k events', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 7 }), ({ names, events }, pageSize) => {
        const { db, store } = openStore();
        try {
          store.apply(events);
          const prefixes = prefixesOf(names);
          const firstK = new Catalogue();
          for (let k = 0; k <= events.length; k++) {
            if (k > 0) firstK.apply(events[k - 1]);
            for (const prefix of prefixes) {
              const travelled = allPages((page) => store.listAt(prefix, k, page), pageSize);
              expect(travelled).toEqual(firstK.list(prefix));
            }
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 100 },
    );
  });

  it('applying in batches of any sizes leaves the same tables as applying one event at a time', () => {
    fc.assert(
      fc.property(scenario, batchSizes, ({ events }, sizes) => {
        const batched = openStore();
        const single = openStore();
        try {
          for (const batch of batches(events, sizes)) batched.store.apply(batch);
          for (const event of events) single.store.apply([event]);
          expect(dump(batched.db)).toEqual(dump(single.db));
        } finally {
          batched.db.close();
          single.db.close();
        }
      }),
      { numRuns: 100 },
    );
  });

  it('paging: pages of 1 to 7 return every live name under the prefix exactly once, in order', () => {
    const { db, store } = openStore();
    try {
      const names = fc.sample(nameArb, { numRuns: 400, seed: 7 });
      const unique = [...new Set(names)];
      store.apply(
        eventsOf(
          unique,
          unique.map((_, i) => ({ op: 'upload', name: i, actor: i % 3, content: i % CONTENTS, dt: 1 })),
        ),
      );
      for (const prefix of ['', 'a', 'ab', '😀', '\uD83D', '\uE000', 'zzz']) {
        const expected = unique.filter((name) => name.startsWith(prefix)).sort();
        for (let limit = 1; limit <= 7; limit++) {
          const listed = allPages((page) => store.list(prefix, page), limit).map((file) => file.name);
          expect(listed).toEqual(expected);
        }
      }
    } finally {
      db.close();
    }
  });

  it('refuses an event at or before its position, and an append that fails changes nothing', () => {
    const { db, store } = openStore();
    try {
      const events = eventsOf(
        ['x', 'y'],
        [
          { op: 'upload', name: 0, actor: 0, content: 1, requestId: 'r1', dt: 1 },
          { op: 'upload', name: 1, actor: 1, content: 2, dt: 1 },
          { op: 'delete', name: 0, actor: 0, dt: 1 },
        ],
      );
      store.apply(events.slice(0, 1));
      const before = dump(db);
      expect(() => store.apply(events.slice(0, 2))).toThrow('out of order');
      expect(dump(db)).toEqual(before);
      // A version that does not follow the latest one is not a log the domain writes.
      const skipped = { ...events[1], payload: { ...events[1].payload, version: 3 } } as FerryEvent;
      expect(() => store.apply([skipped])).toThrow('makes version 3');
      expect(dump(db)).toEqual(before);
      store.apply(events.slice(1));
      expect(store.position()).toBe(3);
    } finally {
      db.close();
    }
  });

  it('forgets request ids older than the window in chunks, and stops at the first one still inside it', () => {
    const { db, store } = openStore();
    try {
      const intents: Intent[] = [];
      for (let i = 0; i < 600; i++) {
        const dt = i === 300 ? 12 * HOUR : 1;
        intents.push({
          op: 'upload',
          name: i % 7,
          actor: i % 2,
          content: i % CONTENTS,
          requestId: `r${i}`,
          dt,
        });
      }
      intents.push(
        { op: 'other', actor: 0, dt: 11 * HOUR },
        { op: 'delete', name: 0, actor: 2, dt: 2 * HOUR },
      );
      const events = eventsOf(['a', 'b', 'c', 'd', 'e', 'f', 'g'], intents);
      const catalogue = new Catalogue();
      for (const event of events) catalogue.apply(event);
      store.apply(events);
      for (let i = 0; i < 600; i++) {
        for (const who of ACTORS)
          expect(store.outcomeOf(who, `r${i}`)).toEqual(catalogue.outcomeOf(who, `r${i}`));
      }
      expect(store.outcomeOf(ACTORS[1], 'r299')).toBeUndefined();
      expect(store.outcomeOf(ACTORS[0], 'r300')).toBeDefined();
      expect(db.prepare('SELECT count(*) FROM catalogue_requests').pluck().get()).toBe(300);
    } finally {
      db.close();
    }
  });

  it('reads by index: no query scans a whole table or sorts a listing', () => {
    const { db, store } = openStore();
    try {
      const statements = store['statements'] as Record<string, Database.Statement>;
      for (const [query, statement] of Object.entries(statements)) {
        const plan = db
          .prepare(`EXPLAIN QUERY PLAN ${statement.source}`)
          .all(...placeholdersOf(statement.source)) as { detail: string }[];
        const details = plan.map((step) => step.detail);
        const scans = details.filter((detail) => /^SCAN /.test(detail) && !detail.includes('CONSTANT ROW'));
        // Forgetting request ids walks the oldest ones through the seq index, and stops early.
        if (query !== 'oldestRequests') expect({ query, scans }).toEqual({ query, scans: [] });
        if (query === 'list' || query === 'listAt') {
          expect({ query, sorts: details.filter((d) => d.includes('TEMP B-TREE')) }).toEqual({
            query,
            sorts: [],
          });
        }
      }
    } finally {
      db.close();
    }
  });
});

/** Null for every positional parameter, or an object with every named one. */
function placeholdersOf(sql: string): unknown[] {
  const named = [...new Set(sql.match(/@\w+/g) ?? [])];
  if (named.length > 0) return [Object.fromEntries(named.map((n) => [n.slice(1), null]))];
  return new Array((sql.match(/\?/g) ?? []).length).fill(null);
}

describe('name keys sort as JavaScript strings sort', () => {
  // Any UTF-16 code unit, lone surrogates included, and whole astral characters.
  const unit = fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
    fc.constantFrom(...PIECES),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  );
  const text = fc.string({ unit, maxLength: 8 });
  const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

  it('compares like < and round-trips, and never holds the byte 0xFF', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        const ka = nameKey(a);
        expect(nameOfKey(ka)).toBe(a);
        expect(ka.includes(0xff)).toBe(false);
        expect(sign(Buffer.compare(ka, nameKey(b)))).toBe(a < b ? -1 : a > b ? 1 : 0);
        expect(nameKey(b).subarray(0, ka.length).equals(ka) && nameKey(b).length >= ka.length).toBe(
          b.startsWith(a),
        );
        expect(Buffer.compare(keyAfter(ka), ka)).toBe(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('SQLite orders the keys as Array.prototype.sort orders the names, and a prefix is a range', () => {
    fc.assert(
      fc.property(fc.uniqueArray(text, { maxLength: 40 }), text, (names, prefix) => {
        const db = new Database(':memory:');
        try {
          db.exec('CREATE TABLE k (key BLOB PRIMARY KEY) WITHOUT ROWID');
          const insert = db.prepare('INSERT INTO k (key) VALUES (?)');
          for (const name of names) insert.run(nameKey(name));
          const ordered = db.prepare('SELECT key FROM k ORDER BY key').pluck().all() as Buffer[];
          expect(ordered.map(nameOfKey)).toEqual([...names].sort());
          const { low, high } = prefixRange(prefix);
          const ranged = db
            .prepare('SELECT key FROM k WHERE key >= ? AND key < ? ORDER BY key')
            .pluck()
            .all(low, high) as Buffer[];
          expect(ranged.map(nameOfKey)).toEqual(names.filter((name) => name.startsWith(prefix)).sort());
        } finally {
          db.close();
        }
      }),
      { numRuns: 300 },
    );
  });
});
