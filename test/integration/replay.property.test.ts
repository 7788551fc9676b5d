import Database from 'better-sqlite3';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Application, PortOverrides, startApplication } from '../../src/app/composition-root';
import { DEFAULT_CONFIG, FerryConfig } from '../../src/app/config';
import { AccountChange } from '../../src/domain/account-decisions';
import { BanPolicy } from '../../src/domain/address-bans';
import { Catalogue } from '../../src/domain/catalogue';
import { FileVersion } from '../../src/domain/file-versions';
import { EventOrigin, FerryEvent } from '../../src/domain/events';
import { FileName } from '../../src/domain/names';
import { CatalogueStore, PageRequest, StoredVersion } from '../../src/domain/ports/catalogue-store.port';
import { EventLog } from '../../src/domain/ports/event-log.port';
import { PasswordHasher } from '../../src/domain/ports/password-hasher.port';
import { PointInTime } from '../../src/domain/point-in-time';
import { MemoryEventLog } from '../../src/infra/memory-event-log';
import { migrate } from '../../src/infra/sqlite/migrations';
import { CATALOGUE_TABLES } from '../../src/infra/sqlite/sqlite-catalogue-schema';
import { SqliteCatalogueStore } from '../../src/infra/sqlite/sqlite-catalogue-store';
import { SqliteEventLog } from '../../src/infra/sqlite/sqlite-event-log';
import { MemoryFileStore } from '../../src/infra/storage/memory-file-store';
import { ManualClock, OPERATOR } from '../support/accounts';
import { openSession, startMemoryApp, uploadBytes } from '../support/app-driver';
import { silentLogger } from '../support/silent-logger';
import { removeDir, tempDir } from '../support/test-server';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const NAMES = ['a', 'b', 'dir/c', 'dir/d'] as const;
const PREFIXES = ['', 'dir/', 'a', 'zzz'];
/** Who acts: the operator (every right), two accounts (once added), and a stranger (until one is). */
const ACTORS = [OPERATOR.actor, 'alice', 'bob', 'anonymous'] as const;
const USERS = ['alice', 'bob'] as const;
const REMOTES = ['203.0.113.9:1', '198.51.100.7:2'] as const;
const REQUEST_IDS = ['r1', 'r2', 'r3'];
const CONTENTS = ['', 'x', 'yy', 'zzz'];
const PASSWORD = 'correct horse battery staple';
/** Before the ManualClock's start: no event is recorded at or before it. */
const BEFORE_ANY_EVENT = '2000-01-01T00:00:00.000Z';
/** Two failures ban an address for a minute, doubling: bans come and go within a short run. */
const BANS: BanPolicy = { maxFailures: 2, windowMs: 10 * MINUTE, banMs: MINUTE, safelist: [] };

/** Real hashing only makes logins slow; the catalogue never sees a hash. */
const plainHasher: PasswordHasher = {
  hash: async (password) => `plain:${password}`,
  verify: async (hash, password) => hash === `plain:${password}`,
};

type Step =
  | { op: 'upload'; actor: number; name: string; content: number; ifVersion?: number; requestId?: string }
  | { op: 'delete'; actor: number; name: string; ifVersion?: number; requestId?: string }
  | { op: 'restore'; actor: number; name: string; version: number; requestId?: string }
  | { op: 'rename'; actor: number; name: string; to: string; ifVersion?: number; requestId?: string }
  | { op: 'download'; actor: number; name: string; version?: number }
  | { op: 'list'; actor: number; prefix: string }
  | { op: 'stat' | 'history'; actor: number; name: string }
  | { op: 'account'; change: AccountChange }
  | { op: 'login'; remote: number; user: number; right: boolean }
  | { op: 'wait'; ms: number }
  | { op: 'gc'; retentionDays: number };

const actor = fc.oneof(
  { arbitrary: fc.constant(0), weight: 3 },
  { arbitrary: fc.constantFrom(1, 2), weight: 3 },
  { arbitrary: fc.constant(3), weight: 1 },
);
const name = fc.constantFrom(...NAMES);
const user = fc.constantFrom(...USERS);
/** `arbitrary` one time in `oneIn`, else undefined. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: oneIn - 1 }, { arbitrary, weight: 1 });
// Mostly unguarded and unconfined, so that most writes go through.
const ifVersion = sometimes(fc.integer({ min: 0, max: 4 }), 4);
const requestId = fc.option(fc.constantFrom(...REQUEST_IDS), { nil: undefined });
const home = sometimes(fc.constantFrom('dir/', 'a'), 3);
const limit = fc.option(fc.constantFrom(0, 1, 3, 100), { nil: null });
const accountChange: fc.Arbitrary<AccountChange> = fc.oneof(
  {
    arbitrary: fc
      .record({
        user,
        role: fc.constantFrom('read' as const, 'write' as const, 'admin' as const),
        prefix: home,
      })
      .map(({ prefix, ...rest }) => ({
        action: 'add' as const,
        ...rest,
        ...(prefix === undefined ? {} : { prefix }),
      })),
    weight: 4,
  },
  fc.record({ action: fc.constant('role' as const), user, role: fc.constantFrom('read', 'write', 'admin') }),
  fc.record({
    action: fc.constant('prefix' as const),
    user,
    prefix: fc.option(fc.constantFrom('dir/', 'a')),
  }),
  fc.record({ action: fc.constantFrom('passwd' as const, 'disable' as const, 'enable' as const), user }),
  fc.record({ action: fc.constant('quota' as const), user, bytes: limit, files: limit }),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('upload' as const),
      actor,
      name,
      content: fc.nat({ max: CONTENTS.length - 1 }),
      ifVersion,
      requestId,
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({ op: fc.constant('delete' as const), actor, name, ifVersion, requestId }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('restore' as const),
      actor,
      name,
      version: fc.integer({ min: 1, max: 4 }),
      requestId,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ op: fc.constant('rename' as const), actor, name, to: name, ifVersion, requestId }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('download' as const),
      actor,
      name,
      version: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ op: fc.constant('list' as const), actor, prefix: fc.constantFrom(...PREFIXES) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ op: fc.constantFrom('stat' as const, 'history' as const), actor, name }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant('account' as const), change: accountChange }), weight: 3 },
  {
    arbitrary: fc.record({
      op: fc.constant('login' as const),
      remote: fc.nat({ max: REMOTES.length - 1 }),
      user: fc.nat({ max: USERS.length }),
      right: fc.boolean(),
    }),
    weight: 3,
  },
  // Mostly forward, past a ban, the failure window or the request-id day; now and then the clock steps back.
  {
    arbitrary: fc.record({
      op: fc.constant('wait' as const),
      ms: fc.constantFrom(-5000, 0, MINUTE, 11 * MINUTE, 2 * HOUR, 25 * HOUR),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ op: fc.constant('gc' as const), retentionDays: fc.constantFrom(0, 1) }),
    weight: 1,
  },
);

/** Half the runs start with both accounts, so that their actors get through; the rest start open to strangers. */
function script(options: { minLength?: number; maxLength: number }): fc.Arbitrary<Step[]> {
  const accountsFirst: Step[] = USERS.map((u) => ({
    op: 'account',
    change: { action: 'add', user: u, role: 'write' },
  }));
  return fc
    .tuple(fc.boolean(), fc.array(step, { ...options, size: 'medium' }))
    .map(([withAccounts, steps]) => (withAccounts ? [...accountsFirst, ...steps] : steps));
}

function originOf(index: number): EventOrigin {
  const who = ACTORS[index];
  return who === OPERATOR.actor ? OPERATOR : { actor: who, session: `s-${who}`, remote: '127.0.0.1:1' };
}

/** Drives the application through its handlers, as the transports would; a second passes between steps. */
async function run(app: Application, clock: ManualClock, steps: readonly Step[]): Promise<void> {
  const { handlers } = app;
  for (const s of steps) {
    clock.advance(1000);
    switch (s.op) {
      case 'upload':
        await uploadBytes(app, originOf(s.actor), s.name, Buffer.from(CONTENTS[s.content]), {
          ifVersion: s.ifVersion,
          requestId: s.requestId,
        });
        break;
      case 'delete':
        await handlers.delete.execute(originOf(s.actor), {
          name: s.name as FileName,
          ifVersion: s.ifVersion,
          requestId: s.requestId,
        });
        break;
      case 'restore':
        await handlers.restore.execute(originOf(s.actor), {
          name: s.name as FileName,
          version: s.version,
          requestId: s.requestId,
        });
        break;
      case 'rename':
        await handlers.rename.execute(originOf(s.actor), {
          from: s.name as FileName,
          to: s.to as FileName,
          ifVersion: s.ifVersion,
          requestId: s.requestId,
        });
        break;
      case 'download': {
        const result = await handlers.download.begin(originOf(s.actor), { name: s.name, version: s.version });
        if (!result.ok) break;
        let sent = 0;
        for await (const chunk of result.value.body) sent += chunk.length;
        await result.value.finish(sent);
        break;
      }
      case 'list':
        await handlers.list.execute(originOf(s.actor), { prefix: s.prefix });
        break;
      case 'stat':
        await handlers.stat.execute(originOf(s.actor), s.name);
        break;
      case 'history':
        await handlers.history.execute(originOf(s.actor), s.name);
        break;
      case 'account': {
        const withPassword = s.change.action === 'add' || s.change.action === 'passwd';
        await handlers.accounts.change(OPERATOR, s.change, withPassword ? PASSWORD : undefined);
        break;
      }
      case 'login': {
        const stranger = { actor: 'anonymous', session: 'login', remote: REMOTES[s.remote] };
        await handlers.login.execute(
          stranger,
          USERS[s.user] ?? 'nobody',
          s.right ? PASSWORD : 'not the password',
        );
        break;
      }
      case 'wait':
        clock.advance(s.ms);
        app.upkeep();
        break;
      case 'gc':
        await handlers.collectGarbage.execute(OPERATOR, { retentionDays: s.retentionDays, dryRun: false });
        break;
    }
    await app.ledger.drain();
  }
}

function configOf(overrides: Partial<FerryConfig>): FerryConfig {
  return { ...DEFAULT_CONFIG, bans: BANS, ...overrides };
}

function portsOf(clock: ManualClock, more: PortOverrides = {}): PortOverrides {
  return { logger: silentLogger, clock, passwordHasher: plainHasher, ...more };
}

async function allEvents(log: EventLog): Promise<FerryEvent[]> {
  const events: FerryEvent[] = [];
  for await (const event of log.read(0)) events.push(event);
  return events;
}

const sha256 = (content: string): string => createHash('sha256').update(content).digest('hex');
const byNameThenVersion = (a: StoredVersion, b: StoredVersion) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version;

/** Every answer the catalogue gives about the names, actors, ids, blobs and addresses a run can touch. */
function everything(store: CatalogueStore, now: Date) {
  const actors = [...ACTORS, 'system:ferry', 'nobody'];
  const addresses = REMOTES.map((remote) => remote.split(':')[0]);
  const moments = [now, new Date(now.getTime() + 2 * DAY)];
  return {
    position: store.position(),
    list: store.list('', { limit: 1000 }),
    names: NAMES.map((n) => ({
      name: n,
      live: store.live(n),
      latest: store.latestVersion(n),
      history: store.history(n),
    })),
    versions: [...store.allVersions()].sort(byNameThenVersion),
    usage: actors.map((a) => ({ actor: a, usage: store.usage(a) })),
    outcomes: actors.flatMap((a) =>
      REQUEST_IDS.map((id) => ({ actor: a, id, outcome: store.outcomeOf(a, id) })),
    ),
    collected: CONTENTS.map((content) => store.isCollected(sha256(content))),
    accounts: store.accounts.list(),
    accountCount: store.accounts.count,
    bans: addresses.map((address) => ({
      address,
      bannedUntil: store.bans.bannedUntil(address),
      failures: moments.map((at) =>
        [BANS.windowMs, DAY].map((ms) => store.bans.failuresWithin(address, ms, at)),
      ),
      next: moments.map((at) => store.bans.nextBanNumber(address, at)),
    })),
    expired: moments.map((at) => store.bans.expired(at)),
  };
}

/** The rows of every catalogue table, in a fixed order. */
function dumpTables(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables: Record<string, unknown[]> = {};
    for (const table of CATALOGUE_TABLES) {
      tables[table] = db
        .prepare(`SELECT * FROM ${table}`)
        .all()
        .map((row) => JSON.stringify(row))
        .sort();
    }
    tables.position = db.prepare('SELECT seq FROM catalogue_position').pluck().all();
    return tables;
  } finally {
    db.close();
  }
}

/** Every page of a listing through the LIST use case, each after the `next` of the one before. */
async function listPages(
  app: Application,
  prefix: string,
  limit: number,
  at?: PointInTime,
): Promise<FileVersion[]> {
  const files: FileVersion[] = [];
  let after: string | undefined;
  for (;;) {
    const result = await app.handlers.list.execute(OPERATOR, {
      prefix,
      limit,
      ...(at ? { at } : {}),
      ...(after === undefined ? {} : { after }),
    });
    if (!result.ok) throw new Error(`LIST refused: ${result.error.code}`);
    expect(result.value.files.length).toBeLessThanOrEqual(limit);
    files.push(...result.value.files);
    if (result.value.next === undefined) return files;
    after = result.value.next;
  }
}

/** Every page read straight from the store. */
function storePages(read: (page: PageRequest) => FileVersion[], limit: number): FileVersion[] {
  const files: FileVersion[] = [];
  let after: string | undefined;
  for (;;) {
    const page = read(after === undefined ? { limit } : { after, limit });
    expect(page.length).toBeLessThanOrEqual(limit);
    files.push(...page);
    if (page.length < limit) return files;
    after = page[page.length - 1].name;
  }
}

describe('the catalogue tables are a pure function of the log', () => {
  it('replaying the log of a server on disk into empty tables gives its live tables, row for row', async () => {
    await fc.assert(
      fc.asyncProperty(script({ maxLength: 40 }), async (steps) => {
        const dataDir = tempDir('ferry-replay-');
        const clock = new ManualClock();
        const config = configOf({ dataDir, store: 'disk' });
        try {
          const app = await startApplication(config, portsOf(clock));
          await run(app, clock, steps);
          const now = clock.now();
          const live = everything(app.ledger.catalogue, now);
          await app.close();

          const file = join(dataDir, 'audit.db');
          const tables = dumpTables(file);
          const log = new SqliteEventLog({ file, now: () => now.toISOString() });
          try {
            const events = await allEvents(log);
            expect(live.position).toBe(events.length);
            // The tables as the live server left them, read back by a process that opens them.
            expect(everything(log.catalogue, now)).toEqual(live);

            log.dropCatalogue();
            expect(log.catalogue.position()).toBe(0);
            expect(log.catalogue.list('', { limit: 10 })).toEqual([]);
            expect(log.catalogue.accounts.count).toBe(0);
            expect(await log.catchUp(() => undefined)).toBe(events.length);
            expect(everything(log.catalogue, now)).toEqual(live);
            expect(dumpTables(file)).toEqual(tables);

            // Folded in one go into fresh tables, and into the in-memory catalogue: the same answers.
            const fresh = new Database(':memory:');
            migrate(fresh, () => now.toISOString());
            const store = new SqliteCatalogueStore(fresh);
            store.fold(events);
            expect(everything(store, now)).toEqual(live);
            expect(everything(new SqliteCatalogueStore(fresh), now)).toEqual(live);
            fresh.close();
            const catalogue = new Catalogue();
            catalogue.fold(events);
            expect(everything(catalogue, now)).toEqual(live);
          } finally {
            await log.close();
          }
        } finally {
          removeDir(dataDir);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('time travel: the catalogue at seq k, and LIST at= seq k or at its time, is that of a server that saw only the first k events', async () => {
    await fc.assert(
      fc.asyncProperty(
        script({ minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 3 }),
        async (steps, pageSize) => {
          const clock = new ManualClock();
          const eventLog = new SqliteEventLog({ file: ':memory:', now: () => clock.now().toISOString() });
          const app = await startApplication(configOf({ store: 'memory' }), portsOf(clock, { eventLog }));
          const firstK = new SqliteEventLog({ file: ':memory:', now: () => clock.now().toISOString() });
          try {
            await run(app, clock, steps);
            const events = await allEvents(eventLog);
            // The ledger stamps events so that their times never decrease, even when the clock steps back.
            for (let i = 1; i < events.length; i++) expect(events[i].at >= events[i - 1].at).toBe(true);

            // What a server that saw only the first k events lists, for every k.
            const seen: Array<Record<string, FileVersion[]>> = [];
            for (let k = 0; k <= events.length; k++) {
              if (k > 0) await firstK.append([events[k - 1]]);
              expect(firstK.catalogue.position()).toBe(k);
              const lists: Record<string, FileVersion[]> = {};
              for (const prefix of PREFIXES) lists[prefix] = firstK.catalogue.list(prefix, { limit: 1000 });
              seen.push(lists);
            }

            const catalogue = app.ledger.catalogue;
            for (let k = 0; k <= events.length; k++) {
              // Just after event k by time: the last event recorded at or before it may come after k.
              const time = k === 0 ? BEFORE_ANY_EVENT : events[k - 1].at;
              const atTime = events.filter((event) => event.at <= time).length;
              for (const prefix of PREFIXES) {
                expect(storePages((page) => catalogue.listAt(prefix, k, page), pageSize)).toEqual(
                  seen[k][prefix],
                );
                expect(await listPages(app, prefix, pageSize, { kind: 'seq', seq: k })).toEqual(
                  seen[k][prefix],
                );
                expect(await listPages(app, prefix, pageSize, { kind: 'time', time })).toEqual(
                  seen[atTime][prefix],
                );
              }
            }
            // A point beyond the log is now.
            expect(await listPages(app, '', pageSize, { kind: 'seq', seq: 1e9 })).toEqual(
              catalogue.list('', { limit: 1000 }),
            );
          } finally {
            await app.close();
            await firstK.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('time travel by ISO time stops at the last event recorded at or before it', async () => {
    let tick = Date.parse('2026-01-01T00:00:00.000Z');
    const clock = { now: () => new Date((tick += 1000)) };
    const eventLog = new SqliteEventLog({ file: ':memory:', now: () => new Date(tick).toISOString() });
    const app = await startMemoryApp({ eventLog, clock });
    try {
      const origin = await openSession(app);
      await uploadBytes(app, origin, 'x', Buffer.from('1'));
      await uploadBytes(app, origin, 'y', Buffer.from('2'));
      await app.ledger.drain();
      const events = await allEvents(eventLog);
      expect(events.map((event) => event.type)).toEqual([
        'LogNamed',
        'SessionOpened',
        'FileUploaded',
        'FileUploaded',
      ]);
      const atFirstUpload = await listPages(app, '', 10, { kind: 'time', time: events[2].at });
      expect(atFirstUpload.map((f) => f.name)).toEqual(['x']);
      const justBefore = new Date(Date.parse(events[3].at) - 1).toISOString();
      expect((await listPages(app, '', 10, { kind: 'time', time: justBefore })).map((f) => f.name)).toEqual([
        'x',
      ]);
      expect(await listPages(app, '', 10, { kind: 'time', time: '2025-12-31T00:00:00.000Z' })).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('handlers through the container with memory adapters', () => {
  it('refuses with STORAGE_FAILED and records the refusal when the store fails mid-write', async () => {
    const failing = new MemoryFileStore();
    const begin = failing.begin.bind(failing);
    failing.begin = async () => {
      const writer = await begin();
      writer.write = async () => {
        throw new Error('disk on fire');
      };
      return writer;
    };
    const eventLog = new MemoryEventLog();
    const app = await startMemoryApp({ fileStore: failing, eventLog });
    const origin = await openSession(app);
    const result = await uploadBytes(app, origin, 'doomed.txt', Buffer.from('some bytes'));
    expect(result).toMatchObject({ ok: false, error: { code: 'STORAGE_FAILED' } });
    expect(app.ledger.catalogue.list('', { limit: 10 })).toEqual([]);
    await app.ledger.drain();
    const last = (await allEvents(eventLog)).pop();
    expect(last).toMatchObject({
      type: 'CommandRejected',
      payload: { command: 'UPLOAD', code: 'STORAGE_FAILED' },
    });
  });

  it('refuses an append with STORAGE_FAILED when the bytes of the live version are gone, storing nothing', async () => {
    const store = new MemoryFileStore();
    const eventLog = new MemoryEventLog();
    const app = await startMemoryApp({ fileStore: store, eventLog });
    const origin = await openSession(app);
    await uploadBytes(app, origin, 'log.txt', Buffer.from('first '));
    const live = app.ledger.catalogue.live('log.txt')!;
    await store.delete(live.sha256);
    const transfer = await app.handlers.upload.begin(origin, { name: 'log.txt' as FileName, append: true });
    expect(transfer.refused).toBe(true);
    await transfer.write(Buffer.from('second'));
    expect(await transfer.finish()).toMatchObject({ ok: false, error: { code: 'STORAGE_FAILED' } });
    expect(app.ledger.catalogue.latestVersion('log.txt')).toBe(1);
    const blobs: string[] = [];
    for await (const sha256 of store.list()) blobs.push(sha256);
    expect(blobs).toEqual([]);
    await app.ledger.drain();
    expect((await allEvents(eventLog)).pop()).toMatchObject({
      type: 'CommandRejected',
      payload: { command: 'UPLOAD', code: 'STORAGE_FAILED' },
    });
  });

  it('stops taking commands once the log cannot be written, rather than drifting from it', async () => {
    const eventLog = new MemoryEventLog();
    const app = await startMemoryApp({ eventLog });
    const origin = await openSession(app);
    await app.ledger.drain();
    eventLog.commit = async () => {
      throw new Error('log unavailable');
    };
    await app.handlers.help.execute(origin);
    await expect(app.ledger.drain()).rejects.toThrow('log unavailable');
    await expect(app.handlers.help.execute(origin)).rejects.toThrow('log unavailable');
    await expect(app.ledger.drain()).rejects.toThrow('log unavailable');
  });

  it('stops too when an event cannot be staged: its batch is lost, and nothing of it is committed', async () => {
    const eventLog = new MemoryEventLog();
    const app = await startMemoryApp({ eventLog });
    const origin = await openSession(app);
    await app.ledger.drain();
    const committed = (await allEvents(eventLog)).length;
    const stage = eventLog.stage.bind(eventLog);
    let staged = 0;
    eventLog.stage = (event) => {
      if (++staged === 2) throw new Error('cannot write the event');
      stage(event);
    };
    await app.handlers.help.execute(origin); // staged, waiting for the batch's commit
    await expect(app.handlers.help.execute(origin)).rejects.toThrow('cannot write the event');
    await expect(app.ledger.drain()).rejects.toThrow('cannot write the event');
    await expect(app.handlers.help.execute(origin)).rejects.toThrow('cannot write the event');
    expect(await allEvents(eventLog)).toHaveLength(committed);
  });
});
