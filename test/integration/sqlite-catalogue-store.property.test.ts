import Database from 'better-sqlite3';
import fc from 'fast-check';
import { addressOf } from '../../src/domain/address-bans';
import { Catalogue } from '../../src/domain/catalogue';
import { FileVersion } from '../../src/domain/file-versions';
import { FerryEvent, Role } from '../../src/domain/events';
import { PageRequest, StoredVersion } from '../../src/domain/ports/catalogue-store.port';
import { migrate } from '../../src/infra/sqlite/migrations';
import { keyAfter, nameKey, nameOfKey, prefixRange } from '../../src/infra/sqlite/name-sort-key';
import { CATALOGUE_TABLES } from '../../src/infra/sqlite/sqlite-catalogue-schema';
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
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Account names: three that may be added, and one only ever changed (the domain refuses that; folds ignore it). */
const USERS = ['alice', 'bob', 'dave', 'ghost'];
const ROLES: Role[] = ['read', 'write', 'admin'];
/** Where failed logins come from, as `remote` holds them; an IPv4 client over IPv6 counts as the IPv4 address. */
const REMOTES = ['203.0.113.9:1', '203.0.113.9:2', '198.51.100.7:9', '::1:5', '::ffff:192.0.2.1:7'];
const ADDRESSES = [...new Set(REMOTES.map(addressOf)), '192.0.2.99'];
const START = Date.UTC(2026, 0, 1);

type Intent =
  | {
      op: 'upload';
      name: number;
      actor: number;
      content: number;
      requestId?: string;
      resumed?: number;
      dt: number;
    }
  | { op: 'restore'; name: number; actor: number; from: number; requestId?: string; dt: number }
  | { op: 'delete'; name: number; actor: number; requestId?: string; dt: number }
  | { op: 'rename'; name: number; to: number; actor: number; requestId?: string; dt: number }
  | { op: 'gc'; contents: number[]; dt: number }
  | { op: 'mkdir'; name: number; dt: number }
  | { op: 'rmdir'; name: number; dt: number }
  | { op: 'other'; actor: number; dt: number }
  | { op: 'account'; change: AccountIntent; user: number; dt: number }
  | { op: 'loginFailed'; remote: number; dt: number }
  | { op: 'ban'; address: number; minutes: number; ban: number; dt: number }
  | { op: 'unban'; address: number; dt: number }
  | { op: 'interrupt'; name: number; actor: number; upload: number; bytes: number; dt: number }
  | { op: 'uploadRefused'; actor: number; upload: number; dt: number }
  | { op: 'expire'; uploads: Array<{ actor: number; upload: number }>; dt: number };

type AccountIntent =
  | { kind: 'add'; role: number; prefix?: string; passwordSet: boolean }
  | { kind: 'role'; role: number }
  | { kind: 'prefix'; prefix: string | null }
  | { kind: 'passwd' | 'disable' | 'enable' }
  | { kind: 'quota'; bytes: number | null; files: number | null }
  | { kind: 'keyAdd' | 'keyRemove'; key: number };

const nameArb = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 4 }).map((p) => p.join(''));
const actor = fc.nat({ max: ACTORS.length - 1 });
const requestId = fc.option(fc.constantFrom(...REQUEST_IDS), { nil: undefined });
// Mostly forward in time, sometimes past the 24 h request window, now and then a clock stepping back.
const dt = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: HOUR }), weight: 8 },
  { arbitrary: fc.integer({ min: 20 * HOUR, max: 30 * HOUR }), weight: 1 },
  { arbitrary: fc.integer({ min: -5000, max: -1 }), weight: 1 },
);
const limit = fc.option(fc.constantFrom(0, 1, 100, 5000), { nil: null });
const prefix = fc.constantFrom('a', 'alice/', 'b/', '😀');
const accountIntent: fc.Arbitrary<AccountIntent> = fc.oneof(
  fc.record(
    { kind: fc.constant('add' as const), role: fc.nat(), prefix, passwordSet: fc.boolean() },
    { requiredKeys: ['kind', 'role', 'passwordSet'] },
  ),
  fc.record({ kind: fc.constant('role' as const), role: fc.nat() }),
  fc.record({ kind: fc.constant('prefix' as const), prefix: fc.option(prefix, { nil: null }) }),
  fc.record({ kind: fc.constantFrom('passwd' as const, 'disable' as const, 'enable' as const) }),
  fc.record({ kind: fc.constant('quota' as const), bytes: limit, files: limit }),
  fc.record({ kind: fc.constantFrom('keyAdd' as const, 'keyRemove' as const), key: fc.nat({ max: 3 }) }),
);
const UPLOAD_ID = fc.nat({ max: 2 });
const intent: fc.Arbitrary<Intent> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('upload' as const),
      name: fc.nat(),
      actor,
      content: fc.nat({ max: CONTENTS - 1 }),
      requestId,
      resumed: fc.option(UPLOAD_ID, { nil: undefined }),
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
      op: fc.constant('rename' as const),
      name: fc.nat(),
      to: fc.nat(),
      actor,
      requestId,
      dt,
    }),
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
  {
    arbitrary: fc.record({ op: fc.constantFrom('mkdir' as const, 'rmdir' as const), name: fc.nat(), dt }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ op: fc.constant('account' as const), change: accountIntent, user: fc.nat(), dt }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('loginFailed' as const), remote: fc.nat(), dt }), weight: 3 },
  {
    arbitrary: fc.record({
      op: fc.constant('ban' as const),
      address: fc.nat(),
      minutes: fc.integer({ min: 1, max: 48 * 60 }),
      ban: fc.integer({ min: 1, max: 4 }),
      dt,
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant('unban' as const), address: fc.nat(), dt }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('interrupt' as const),
      name: fc.nat(),
      actor,
      upload: UPLOAD_ID,
      bytes: fc.nat({ max: 1000 }),
      dt,
    }),
    weight: 2,
  },
  {
    // Ends an upload held or not: both projections must take what the domain would never write too.
    arbitrary: fc.record({ op: fc.constant('uploadRefused' as const), actor, upload: UPLOAD_ID, dt }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('expire' as const),
      uploads: fc.array(fc.record({ actor, upload: UPLOAD_ID }), { maxLength: 3 }),
      dt,
    }),
    weight: 1,
  },
);

interface Scenario {
  readonly names: string[];
  readonly events: FerryEvent[];
}

const scenario: fc.Arbitrary<Scenario> = fc
  .tuple(fc.uniqueArray(nameArb, { minLength: 1, maxLength: 10 }), fc.array(intent, { maxLength: 60 }))
  .map(([names, intents]) => ({ names, events: eventsOf(names, intents) }));

const contentSha = (content: number): string => shaOf(`content-${content}`);

/**
 * Turns intents into a log the domain could have written: versions count up, deletes hit live names, an
 * account is added once. Account changes may name an account that does not exist, which the domain
 * refuses; both projections ignore them, and they exercise that path.
 */
function eventsOf(names: readonly string[], intents: readonly Intent[]): FerryEvent[] {
  const versions = new Map<string, { sha256: string; size: number }[]>();
  const live = new Map<string, number>();
  const users = new Set<string>();
  const events: FerryEvent[] = [];
  let time = START;
  const push = (
    actor: number | string,
    type: FerryEvent['type'],
    payload: object,
    step: number,
    remote = '127.0.0.1:1',
  ): void => {
    time += step;
    const seq = events.length + 1;
    const at = new Date(time).toISOString();
    const who = typeof actor === 'string' ? actor : ACTORS[actor];
    const origin = { actor: who, session: `s-${who}`, remote };
    events.push({ seq, id: `e-${seq}`, type, at, payload, ...origin } as FerryEvent);
  };
  const withId = (id: string | undefined) => (id === undefined ? {} : { requestId: id });
  /** Ids a few, so that interruptions continue, and publications, refusals and expiries end, held ones. */
  const uploadId = (n: number) => `up-${n}`;
  for (const i of intents) {
    if (i.op === 'interrupt') {
      const upload = uploadId(i.upload);
      const payload = { name: names[i.name % names.length], upload, from: 0, bytes: i.bytes, held: i.bytes };
      push(i.actor, 'UploadInterrupted', payload, i.dt);
      continue;
    }
    if (i.op === 'uploadRefused') {
      const upload = uploadId(i.upload);
      const payload = { command: 'UPLOAD', code: 'CHECKSUM_MISMATCH', message: 'no', upload };
      push(i.actor, 'CommandRejected', payload, i.dt);
      continue;
    }
    if (i.op === 'expire') {
      const uploads = i.uploads.map(({ actor: a, upload: u }) => ({
        actor: ACTORS[a],
        upload: uploadId(u),
        name: 'x',
        held: 1,
      }));
      push('system:ferry', 'UploadsExpired', { hours: 24, uploads }, i.dt);
      continue;
    }
    if (i.op === 'account') {
      const user = USERS[i.user % USERS.length];
      const change = i.change;
      if (change.kind === 'add' && (users.has(user) || user === 'ghost')) {
        push(
          'admin',
          'CommandRejected',
          { command: 'USER ADD', name: user, code: 'CONFLICT', message: 'no' },
          i.dt,
        );
      } else if (change.kind === 'add') {
        users.add(user);
        const home = change.prefix === undefined ? {} : { prefix: change.prefix };
        const role = ROLES[change.role % ROLES.length];
        push('admin', 'UserAdded', { user, role, ...home, passwordSet: change.passwordSet }, i.dt);
      } else if (change.kind === 'role') {
        push('admin', 'UserRoleChanged', { user, role: ROLES[change.role % ROLES.length] }, i.dt);
      } else if (change.kind === 'prefix') {
        push('admin', 'UserPrefixChanged', { user, prefix: change.prefix }, i.dt);
      } else if (change.kind === 'keyAdd' || change.kind === 'keyRemove') {
        // Added twice or removed unheld too: both projections must take what the domain would refuse.
        const fingerprint = `SHA256:key${change.key}`;
        if (change.kind === 'keyAdd') {
          const key = `ssh-ed25519 AAAA${change.key} key ${change.key}`;
          push('admin', 'UserKeyAdded', { user, fingerprint, key }, i.dt);
        } else push('admin', 'UserKeyRemoved', { user, fingerprint }, i.dt);
      } else if (change.kind === 'quota') {
        push('admin', 'UserQuotaChanged', { user, bytes: change.bytes, files: change.files }, i.dt);
      } else {
        const type = {
          passwd: 'UserPasswordChanged',
          disable: 'UserDisabled',
          enable: 'UserEnabled',
        } as const;
        push('admin', type[change.kind], { user }, i.dt);
      }
      continue;
    }
    if (i.op === 'loginFailed') {
      const remote = REMOTES[i.remote % REMOTES.length];
      push('anonymous', 'LoginFailed', { user: 'alice', reason: 'bad-password' }, i.dt, remote);
      continue;
    }
    if (i.op === 'ban') {
      const address = ADDRESSES[i.address % ADDRESSES.length];
      const until = new Date(time + Math.max(i.dt, 0) + i.minutes * MINUTE).toISOString();
      push('anonymous', 'AddressBanned', { address, until, failures: 10, ban: i.ban }, i.dt, `${address}:1`);
      continue;
    }
    if (i.op === 'unban') {
      const address = ADDRESSES[i.address % ADDRESSES.length];
      push('system:ferry', 'AddressUnbanned', { address }, i.dt, address);
      continue;
    }
    if (i.op === 'gc') {
      const blobs = i.contents.map(contentSha);
      push(0, 'GarbageCollected', { retentionDays: 0, blobs, versions: [] }, i.dt);
      continue;
    }
    if (i.op === 'mkdir' || i.op === 'rmdir') {
      // Any folder, made twice or removed unmade too: both projections must take what the domain would not.
      const path = `${names[i.name % names.length]}/`;
      push(0, i.op === 'mkdir' ? 'FolderCreated' : 'FolderRemoved', { path }, i.dt);
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
    if (i.op === 'rename') {
      // Over a live target too (the domain allows it with if-version): both projections must end it.
      const to = names[i.to % names.length];
      const fromVersion = live.get(name);
      if (fromVersion === undefined || to === name) {
        push(i.actor, 'CommandRejected', { command: 'RENAME', name, code: 'NOT_FOUND', message: 'no' }, i.dt);
        continue;
      }
      const moved = made[fromVersion - 1];
      const target = versions.get(to) ?? [];
      versions.set(to, target);
      target.push(moved);
      live.delete(name);
      live.set(to, target.length);
      const payload = {
        from: name,
        to,
        version: target.length,
        fromVersion,
        ...moved,
        ...withId(i.requestId),
      };
      push(i.actor, 'FileRenamed', payload, i.dt);
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
    const resumed =
      i.op === 'upload' && i.resumed !== undefined ? { upload: { id: uploadId(i.resumed), from: 0 } } : {};
    push(i.actor, 'FileUploaded', { name, version, sha256, size, ...withId(i.requestId), ...resumed }, i.dt);
  }
  return events;
}

function openStore(): { db: Database.Database; store: SqliteCatalogueStore } {
  const db = new Database(':memory:');
  migrate(db, () => new Date(START).toISOString());
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

/** Every version, in one order whatever order an adapter yields them in. */
function sortedVersions(versions: Iterable<StoredVersion>): StoredVersion[] {
  const byNameThenVersion = (a: StoredVersion, b: StoredVersion) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version;
  return [...versions].sort(byNameThenVersion);
}

/** The time of the last event: the moment ban questions are asked at (the server asks at its clock's now). */
function lastTime(catalogue: Catalogue, events: readonly FerryEvent[]): number {
  return catalogue.position() === 0 ? START : Date.parse(events[catalogue.position() - 1].at);
}

function expectSameAccountsAndBans(store: SqliteCatalogueStore, catalogue: Catalogue, now: number): void {
  expect(store.heldUploads.all()).toEqual(catalogue.heldUploads.all());
  expect(store.accounts.list()).toEqual(catalogue.accounts.list());
  expect(store.accounts.count).toBe(catalogue.accounts.count);
  for (const user of USERS) expect(store.accounts.get(user)).toEqual(catalogue.accounts.get(user));
  const moments = [now - HOUR, now, now + 30 * MINUTE, now + 2 * DAY].map((ms) => new Date(ms));
  for (const at of moments) expect(store.bans.expired(at)).toEqual(catalogue.bans.expired(at));
  for (const address of ADDRESSES) {
    // The state as kept, failure times and all; then every question a decision asks.
    expect(store.bans.stateOf(address)).toEqual(catalogue.bans.stateOf(address));
    expect(store.bans.bannedUntil(address)).toEqual(catalogue.bans.bannedUntil(address));
    for (const at of moments) {
      for (const windowMs of [10 * MINUTE, DAY]) {
        expect(store.bans.failuresWithin(address, windowMs, at)).toBe(
          catalogue.bans.failuresWithin(address, windowMs, at),
        );
      }
      expect(store.bans.nextBanNumber(address, at)).toBe(catalogue.bans.nextBanNumber(address, at));
    }
  }
}

function expectSameReads(
  store: SqliteCatalogueStore,
  catalogue: Catalogue,
  names: readonly string[],
  pageSize: number,
  now = START,
): void {
  expect(store.position()).toBe(catalogue.position());
  for (const name of [...names, 'never-used']) {
    expect(store.live(name)).toEqual(catalogue.live(name));
    const latest = catalogue.latestVersion(name);
    expect(store.latestVersion(name)).toBe(latest);
    expect(store.history(name)).toEqual(catalogue.history(name));
    for (let v = 0; v <= latest + 1; v++) expect(store.version(name, v)).toEqual(catalogue.version(name, v));
  }
  for (const prefix of prefixesOf(names)) {
    expect(allPages((page) => store.list(prefix, page), pageSize)).toEqual(catalogue.list(prefix));
    expect(store.hasLiveUnder(prefix)).toBe(catalogue.hasLiveUnder(prefix));
    expect(store.explicitFolder(prefix)).toBe(catalogue.explicitFolder(prefix));
    const folders = catalogue.listFolders(prefix, { limit: Number.MAX_SAFE_INTEGER });
    expect(allFolderPages((page) => store.listFolders(prefix, page), pageSize)).toEqual(folders);
  }
  for (const name of names)
    expect(store.explicitFolder(`${name}/`)).toBe(catalogue.explicitFolder(`${name}/`));
  for (const actor of [...ACTORS, 'nobody']) {
    expect(store.usage(actor)).toEqual(catalogue.usage(actor));
    for (const id of [...REQUEST_IDS, 'r-unknown']) {
      expect(store.outcomeOf(actor, id)).toEqual(catalogue.outcomeOf(actor, id));
    }
  }
  for (let c = 0; c <= CONTENTS; c++) {
    expect(store.isCollected(contentSha(c))).toBe(catalogue.isCollected(contentSha(c)));
  }
  expect(sortedVersions(store.allVersions())).toEqual(sortedVersions(catalogue.allVersions()));
  expectSameAccountsAndBans(store, catalogue, now);
}

/** Every folder under a prefix, read a page at a time. */
function allFolderPages(read: (page: PageRequest) => string[], limit: number): string[] {
  const all: string[] = [];
  for (;;) {
    const page = read(all.length === 0 ? { limit } : { after: all[all.length - 1], limit });
    all.push(...page);
    if (page.length < limit) return all;
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
  it('after every batch: live, version, latest, history, paged list, usage, collected, outcomes, versions, accounts, bans', () => {
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
              store.fold(batch);
              catalogue.fold(batch);
              expectSameReads(store, catalogue, names, pageSize, lastTime(catalogue, events));
            }
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reopened on the same database (accounts and bans read back from their rows), answers the same and folds on the same', () => {
    fc.assert(
      fc.property(scenario, batchSizes, fc.integer({ min: 1, max: 3 }), ({ names, events }, sizes, every) => {
        const { db } = openStore();
        try {
          let store = new SqliteCatalogueStore(db);
          const catalogue = new Catalogue();
          batches(events, sizes).forEach((batch, b) => {
            store.fold(batch);
            catalogue.fold(batch);
            const reopened = new SqliteCatalogueStore(db);
            expectSameReads(reopened, catalogue, names, 5, lastTime(catalogue, events));
            // Sometimes the next batch is folded by the reopened store: what a restarted server does.
            if (b % every === 0) store = reopened;
          });
          store.reload();
          expectSameAccountsAndBans(store, catalogue, lastTime(catalogue, events));
        } finally {
          db.close();
        }
      }),
      { numRuns: 50 },
    );
  });

  it('time travel: listAt(prefix, k) equals the list of a catalogue fed only the first k events', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 7 }), ({ names, events }, pageSize) => {
        const { db, store } = openStore();
        try {
          store.fold(events);
          const prefixes = prefixesOf(names);
          const firstK = new Catalogue();
          for (let k = 0; k <= events.length; k++) {
            if (k > 0) firstK.fold([events[k - 1]]);
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
          for (const batch of batches(events, sizes)) batched.store.fold(batch);
          for (const event of events) single.store.fold([event]);
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
      store.fold(
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
      store.fold(events.slice(0, 1));
      const before = dump(db);
      expect(() => store.fold(events.slice(0, 2))).toThrow('out of order');
      expect(dump(db)).toEqual(before);
      // A version that does not follow the latest one is not a log the domain writes.
      const skipped = { ...events[1], payload: { ...events[1].payload, version: 3 } } as FerryEvent;
      expect(() => store.fold([skipped])).toThrow('makes version 3');
      expect(dump(db)).toEqual(before);
      store.fold(events.slice(1));
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
      catalogue.fold(events);
      store.fold(events);
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
        // Forgetting request ids walks the oldest ones through the seq index, and stops early; accounts and
        // addresses and held uploads are read whole at open, and allVersions reads every version by design.
        if (!WHOLE_TABLE_READS.includes(query)) expect({ query, scans }).toEqual({ query, scans: [] });
        // A page of the live listing is one contiguous range of one table: no lookup per name.
        if (query === 'list') expect({ query, details }).toEqual({ query, details: [LIVE_RANGE] });
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

const LIVE_RANGE = 'SEARCH v USING PRIMARY KEY (key>? AND key<?)';
const WHOLE_TABLE_READS = ['oldestRequests', 'accounts', 'addresses', 'heldUploads', 'allVersions'];

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
