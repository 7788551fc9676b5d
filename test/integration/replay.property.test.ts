import fc from 'fast-check';
import { join } from 'node:path';
import { Application, startApplication } from '../../src/app/composition-root';
import { DEFAULT_CONFIG } from '../../src/app/config';
import { SqliteEventLog } from '../../src/infra/sqlite/sqlite-event-log';
import { SqliteSnapshotStore } from '../../src/infra/sqlite/sqlite-snapshot-store';
import { silentLogger } from '../support/silent-logger';
import { removeDir, tempDir } from '../support/test-server';
import { restoreCatalogue } from '../../src/app/restore-catalogue';
import { Catalogue } from '../../src/domain/catalogue';
import { FerryEvent } from '../../src/domain/events';
import { FileName } from '../../src/domain/names';
import { EventLog } from '../../src/domain/ports/event-log.port';
import { MemoryEventLog } from '../../src/infra/memory-event-log';
import { MemorySnapshotStore } from '../../src/infra/memory-snapshot-store';
import { MemoryFileStore } from '../../src/infra/storage/memory-file-store';
import { openSession, startMemoryApp, uploadBytes } from '../support/app-driver';

const NAMES = ['a', 'b', 'dir/c', 'dir/d'] as const;

type Step =
  | { op: 'upload'; name: string; content: string; ifVersion?: number; requestId?: string }
  | { op: 'delete'; name: string; ifVersion?: number; requestId?: string }
  | { op: 'restore'; name: string; version: number; requestId?: string }
  | { op: 'download'; name: string; version?: number }
  | { op: 'list'; prefix: string }
  | { op: 'stat' | 'history'; name: string };

const name = fc.constantFrom(...NAMES);
const ifVersion = fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined });
const requestId = fc.option(fc.constantFrom('r1', 'r2', 'r3'), { nil: undefined });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('upload' as const),
    name,
    content: fc.string({ maxLength: 5 }),
    ifVersion,
    requestId,
  }),
  fc.record({ op: fc.constant('delete' as const), name, ifVersion, requestId }),
  fc.record({
    op: fc.constant('restore' as const),
    name,
    version: fc.integer({ min: 1, max: 4 }),
    requestId,
  }),
  fc.record({
    op: fc.constant('download' as const),
    name,
    version: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  }),
  fc.record({ op: fc.constant('list' as const), prefix: fc.constantFrom('', 'dir/', 'a') }),
  fc.record({ op: fc.constantFrom('stat' as const, 'history' as const), name }),
);

async function run(app: Application, steps: Step[]): Promise<void> {
  const origin = await openSession(app);
  const { handlers } = app;
  for (const s of steps) {
    const target = ('name' in s ? s.name : '') as FileName;
    switch (s.op) {
      case 'upload':
        await uploadBytes(app, origin, s.name, Buffer.from(s.content), {
          ifVersion: s.ifVersion,
          requestId: s.requestId,
        });
        break;
      case 'delete':
        await handlers.delete.execute(origin, {
          name: target,
          ifVersion: s.ifVersion,
          requestId: s.requestId,
        });
        break;
      case 'restore':
        await handlers.restore.execute(origin, { name: target, version: s.version, requestId: s.requestId });
        break;
      case 'download': {
        const result = await handlers.download.begin(origin, { name: target, version: s.version });
        if (result.ok) await result.value.finish(result.value.file.size);
        break;
      }
      case 'list':
        await handlers.list.execute(origin, s.prefix);
        break;
      case 'stat':
        await handlers.stat.execute(origin, target);
        break;
      case 'history':
        await handlers.history.execute(origin, target);
        break;
    }
  }
  await handlers.sessions.close(origin, 'logout');
  await app.ledger.drain();
}

async function allEvents(log: EventLog): Promise<FerryEvent[]> {
  const events: FerryEvent[] = [];
  for await (const event of log.read(0)) events.push(event);
  return events;
}

function fold(events: readonly FerryEvent[]): Catalogue {
  const catalogue = new Catalogue();
  for (const event of events) catalogue.apply(event);
  return catalogue;
}

describe('the catalogue is a pure function of the log', () => {
  it('replaying the SQLite log from scratch yields the live catalogue, with or without snapshots', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 40 }),
        fc.integer({ min: 1, max: 15 }),
        async (steps, every) => {
          const dataDir = tempDir('ferry-replay-');
          const config = { ...DEFAULT_CONFIG, dataDir, snapshotEvery: every };
          try {
            const app = await startApplication(config, { logger: silentLogger });
            await run(app, steps);
            const live = app.ledger.catalogue.toSnapshot();
            await app.close();

            const file = join(dataDir, 'audit.db');
            const eventLog = new SqliteEventLog({ file, now: () => new Date().toISOString() });
            const snapshots = new SqliteSnapshotStore(file);
            expect(fold(await allEvents(eventLog)).toSnapshot()).toEqual(live);
            expect((await restoreCatalogue(eventLog, snapshots, {})).toSnapshot()).toEqual(live);
            await snapshots.close();
            await eventLog.close();

            const again = await startApplication(config, { logger: silentLogger });
            expect(again.ledger.catalogue.toSnapshot()).toEqual(live);
            await again.close();
          } finally {
            removeDir(dataDir);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('time travel: the catalogue at seq k equals that of a server that only ever saw the first k events', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        async (steps, every) => {
          const eventLog = new MemoryEventLog();
          const snapshots = new MemorySnapshotStore();
          const app = await startMemoryApp({ eventLog, snapshots }, every);
          await run(app, steps);
          const events = await allEvents(eventLog);
          for (let k = 0; k <= events.length; k++) {
            const firstK = new MemoryEventLog();
            await firstK.append(events.slice(0, k));
            const onlyFirstK = await startMemoryApp({ eventLog: firstK });
            const travelled = await restoreCatalogue(eventLog, snapshots, { at: { kind: 'seq', seq: k } });
            expect(travelled.toSnapshot()).toEqual(onlyFirstK.ledger.catalogue.toSnapshot());
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('time travel by ISO time stops at the last event recorded at or before it', async () => {
    let tick = Date.parse('2026-01-01T00:00:00.000Z');
    const clock = { now: () => new Date((tick += 1000)) };
    const eventLog = new MemoryEventLog();
    const app = await startMemoryApp({ eventLog, clock });
    const origin = await openSession(app);
    await uploadBytes(app, origin, 'x', Buffer.from('1'));
    await uploadBytes(app, origin, 'y', Buffer.from('2'));
    await app.ledger.drain();
    const events = await allEvents(eventLog);
    const snapshots = new MemorySnapshotStore();
    const atFirstUpload = await restoreCatalogue(eventLog, snapshots, {
      at: { kind: 'time', time: events[1].at },
    });
    expect(atFirstUpload.list().map((f) => f.name)).toEqual(['x']);
    const before = await restoreCatalogue(eventLog, snapshots, {
      at: { kind: 'time', time: '2025-12-31T00:00:00.000Z' },
    });
    expect(before.list()).toEqual([]);
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
    expect(app.ledger.catalogue.list()).toEqual([]);
    await app.ledger.drain();
    const last = (await allEvents(eventLog)).pop();
    expect(last).toMatchObject({
      type: 'CommandRejected',
      payload: { command: 'UPLOAD', code: 'STORAGE_FAILED' },
    });
  });

  it('stops taking commands once the log cannot be written, rather than drifting from it', async () => {
    const eventLog = new MemoryEventLog();
    const app = await startMemoryApp({ eventLog });
    const origin = await openSession(app);
    await app.ledger.drain();
    eventLog.append = async () => {
      throw new Error('log unavailable');
    };
    await app.handlers.help.execute(origin);
    await expect(app.ledger.drain()).rejects.toThrow('log unavailable');
    await expect(app.handlers.help.execute(origin)).rejects.toThrow('log unavailable');
    await expect(app.ledger.drain()).rejects.toThrow('log unavailable');
  });
});
