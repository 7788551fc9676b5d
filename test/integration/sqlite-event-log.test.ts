import { readdirSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { MIGRATIONS_DIR } from '../../src/infra/sqlite/migrations';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryEvent } from '../../src/domain/events';
import { EventLog } from '../../src/domain/ports/event-log.port';
import { MemoryEventLog } from '../../src/infra/memory-event-log';
import { SqliteEventLog } from '../../src/infra/sqlite/sqlite-event-log';
import { eventFactory, EventFactory, shaOf } from '../support/domain-events';

const NOW = () => '2024-01-01T00:00:00.000Z';

async function readAll(log: EventLog, afterSeq?: number): Promise<FerryEvent[]> {
  const events: FerryEvent[] = [];
  for await (const event of log.read(afterSeq)) events.push(event);
  return events;
}

/** One of each event type, with awkward strings, so a lossy round trip would show. */
function sampleEvents(f: EventFactory): FerryEvent[] {
  return [
    f.make('SessionOpened', { protocol: 1 }),
    f.make('HelpShown', {}),
    f.uploaded('résumé "final"/日本.txt', 1, shaOf('a'), 1234),
    f.make('FilesListed', { prefix: 'r', count: 1 }),
    f.make('FileDownloaded', {
      name: 'résumé "final"/日本.txt',
      version: 1,
      sha256: shaOf('a'),
      bytes: 600,
      complete: false,
    }),
    f.make('CommandRejected', { command: 'UPLOAD', code: 'BAD_NAME', message: 'name is empty' }),
    f.make(
      'CommandRejected',
      { command: 'DELETE', name: 'x\\y', code: 'NOT_FOUND', message: 'no such file: x\\y' },
      { actor: 'bob', session: 'sess-2', remote: '[::1]:6000' },
    ),
    f.deleted('résumé "final"/日本.txt', 1),
    f.make('SessionClosed', { reason: 'protocol-error' }),
  ];
}

interface LogUnderTest {
  readonly log: EventLog;
  readonly cleanup: () => Promise<void>;
}

function eventLogContract(make: () => LogUnderTest): void {
  let subject: LogUnderTest;
  let log: EventLog;

  beforeEach(() => {
    subject = make();
    log = subject.log;
  });

  afterEach(async () => subject.cleanup());

  it('starts empty', async () => {
    expect(await log.lastSeq()).toBe(0);
    expect(await readAll(log)).toEqual([]);
  });

  it('reads back exactly the events appended, in seq order', async () => {
    const f = eventFactory();
    const first = sampleEvents(f);
    const second = [f.uploaded('b', 1), f.uploaded('b', 2)];
    await log.append(first);
    await log.append(second);
    const read = await readAll(log);
    expect(read).toEqual([...first, ...second]);
    expect(read.map((event) => event.seq)).toEqual(
      Array.from({ length: first.length + second.length }, (_, i) => i + 1),
    );
    expect(await log.lastSeq()).toBe(first.length + second.length);
  });

  it('keeps what was appended even if the caller mutates its objects afterwards', async () => {
    const f = eventFactory();
    const event = f.uploaded('a', 1);
    const original = structuredClone(event);
    await log.append([event]);
    (event.payload as { name: string }).name = 'mutated';
    expect(await readAll(log)).toEqual([original]);
  });

  it('read(afterSeq) skips everything up to and including afterSeq', async () => {
    const f = eventFactory();
    const events = sampleEvents(f);
    await log.append(events);
    expect(await readAll(log, 0)).toEqual(events);
    expect(await readAll(log, 3)).toEqual(events.slice(3));
    expect((await readAll(log, 3))[0].seq).toBe(4);
    expect(await readAll(log, events.length - 1)).toEqual([events[events.length - 1]]);
    expect(await readAll(log, events.length)).toEqual([]);
    expect(await readAll(log, events.length + 10)).toEqual([]);
  });

  it('accepts an empty batch without changing anything', async () => {
    const f = eventFactory();
    await log.append([f.uploaded('a', 1)]);
    await log.append([]);
    expect(await log.lastSeq()).toBe(1);
  });

  it.each<[string, number]>([
    ['a gap', 4],
    ['a repeat of the last seq', 2],
    ['a seq behind the last', 1],
  ])('refuses a batch starting with %s, appending nothing of it', async (_label, firstSeq) => {
    const f = eventFactory();
    const existing = [f.uploaded('a', 1), f.uploaded('a', 2)];
    await log.append(existing);
    const g = eventFactory(firstSeq);
    await expect(log.append([g.uploaded('b', 1), g.uploaded('b', 2)])).rejects.toThrow();
    expect(await log.lastSeq()).toBe(2);
    expect(await readAll(log)).toEqual(existing);
  });

  it('refuses a first batch that does not start at seq 1', async () => {
    await expect(log.append([eventFactory(2).uploaded('a', 1)])).rejects.toThrow();
    expect(await log.lastSeq()).toBe(0);
    expect(await readAll(log)).toEqual([]);
  });

  it('refuses a batch with a gap in the middle, appending none of it', async () => {
    const f = eventFactory();
    await log.append([f.uploaded('a', 1)]);
    const good = f.uploaded('a', 2);
    f.uploaded('skipped', 1);
    const afterGap = f.uploaded('a', 3);
    await expect(log.append([good, afterGap])).rejects.toThrow();
    expect(await log.lastSeq()).toBe(1);
    expect((await readAll(log)).map((event) => event.seq)).toEqual([1]);
    // ...and the log still takes the right continuation afterwards.
    await log.append([good]);
    expect(await log.lastSeq()).toBe(2);
  });
}

describe('EventLog contract: MemoryEventLog', () => {
  eventLogContract(() => ({ log: new MemoryEventLog(), cleanup: async () => undefined }));
});

describe('EventLog contract: SqliteEventLog', () => {
  eventLogContract(() => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-log-'));
    const log = new SqliteEventLog({ file: join(dir, 'events.db'), now: NOW });
    return {
      log,
      cleanup: async () => {
        await log.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

describe('SqliteEventLog on a file', () => {
  let dir: string;
  let file: string;
  const open: SqliteEventLog[] = [];
  const raw: Database.Database[] = [];

  function openLog(): SqliteEventLog {
    const log = new SqliteEventLog({ file, now: NOW });
    open.push(log);
    return log;
  }

  function openRaw(): Database.Database {
    const db = new Database(file);
    raw.push(db);
    return db;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-log-'));
    file = join(dir, 'events.db');
  });

  afterEach(async () => {
    for (const db of raw.splice(0)) if (db.open) db.close();
    for (const log of open.splice(0)) await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps everything across a reopen and applies migrations only once', async () => {
    const f = eventFactory();
    const events = sampleEvents(f);
    const first = openLog();
    await first.append(events);
    await first.close();

    const second = openLog();
    expect(await second.lastSeq()).toBe(events.length);
    expect(await readAll(second)).toEqual(events);
    const more = f.uploaded('after-reopen', 1);
    await second.append([more]);
    await second.close();

    const third = openLog();
    expect(await readAll(third)).toEqual([...events, more]);
    await third.close();

    const db = openRaw();
    const migrations = db
      .prepare('SELECT version, name FROM schema_migrations ORDER BY version')
      .all() as Array<{
      version: number;
      name: string;
    }>;
    const shipped = readdirSync(MIGRATIONS_DIR)
      .filter((file) => file.endsWith('.sql'))
      .sort();
    expect(migrations.map((row) => row.name)).toEqual(shipped);
    expect(migrations.map((row) => row.version)).toEqual(shipped.map((_, i) => i + 1));
  });

  it('reads across page boundaries in order', async () => {
    const f = eventFactory();
    const events = Array.from({ length: 10_003 }, (_, i) =>
      f.make('FilesListed', { prefix: `p${i}`, count: i }),
    );
    const log = openLog();
    await log.append(events);
    const read = await readAll(log);
    expect(read).toHaveLength(events.length);
    expect(read.every((event, i) => event.seq === i + 1)).toBe(true);
    expect(read[5_000]).toEqual(events[5_000]);
    expect(read[read.length - 1]).toEqual(events[events.length - 1]);
    const tail = await readAll(log, 4_999);
    expect(tail).toHaveLength(events.length - 4_999);
    expect(tail[0].seq).toBe(5_000);
  });

  it('refuses UPDATE and DELETE on events (the triggers)', async () => {
    const f = eventFactory();
    const events = [f.uploaded('a', 1), f.uploaded('b', 1)];
    const log = openLog();
    await log.append(events);
    await log.close();

    const db = openRaw();
    expect(() => db.prepare(`UPDATE events SET record = '{}' WHERE seq = 1`).run()).toThrow();
    expect(() => db.prepare(`UPDATE events SET seq = 99 WHERE seq = 2`).run()).toThrow();
    expect(() => db.prepare('DELETE FROM events WHERE seq = 1').run()).toThrow();
    expect(() => db.prepare('DELETE FROM events').run()).toThrow();
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(2);
    db.close();

    expect(await readAll(openLog())).toEqual(events);
  });

  it('exposes id, type, at, actor, session, remote and payload as columns read from the record', async () => {
    const f = eventFactory();
    const uploaded = f.make(
      'FileUploaded',
      { name: 'dir/é.txt', version: 1, sha256: shaOf('x'), size: 77 },
      { actor: 'bob', session: 'sess-9', remote: '10.0.0.2:4444' },
    );
    const rejected = f.make('CommandRejected', { command: 'GET', code: 'NOT_FOUND', message: 'nope' });
    const log = openLog();
    await log.append([uploaded, rejected]);
    await log.close();

    const db = openRaw();
    const row = db
      .prepare(
        `SELECT id, type, at, actor, session, remote,
                json_extract(payload, '$.name') AS name,
                json_extract(payload, '$.version') AS version,
                json_extract(payload, '$.sha256') AS sha256,
                json_extract(payload, '$.size') AS size
         FROM events WHERE seq = ?`,
      )
      .get(uploaded.seq);
    expect(row).toEqual({
      id: uploaded.id,
      type: 'FileUploaded',
      at: uploaded.at,
      actor: 'bob',
      session: 'sess-9',
      remote: '10.0.0.2:4444',
      name: 'dir/é.txt',
      version: 1,
      sha256: shaOf('x'),
      size: 77,
    });
    expect(
      JSON.parse(db.prepare('SELECT payload FROM events WHERE seq = ?').pluck().get(uploaded.seq) as string),
    ).toEqual(uploaded.payload);

    const byType = db.prepare('SELECT seq FROM events WHERE type = ? ORDER BY seq').pluck();
    expect(byType.all('CommandRejected')).toEqual([rejected.seq]);
    expect(byType.all('FileUploaded')).toEqual([uploaded.seq]);
    expect(
      db
        .prepare(`SELECT json_extract(payload, '$.code') FROM events WHERE seq = ?`)
        .pluck()
        .get(rejected.seq),
    ).toBe('NOT_FOUND');
    expect(db.prepare('SELECT actor FROM events WHERE seq = ?').pluck().get(rejected.seq)).toBe('alice');
  });

  it('stores each event as its canonical JSON record', async () => {
    const f = eventFactory();
    const event = f.uploaded('a', 1);
    const log = openLog();
    await log.append([event]);
    await log.close();
    const record = openRaw().prepare('SELECT record FROM events WHERE seq = 1').pluck().get() as string;
    expect(JSON.parse(record)).toEqual(event);
    const keys = Object.keys(JSON.parse(record) as object);
    expect(keys).toEqual([...keys].sort());
  });

  it('uses WAL journaling', async () => {
    const log = openLog();
    await log.append([eventFactory().uploaded('a', 1)]);
    const db = openRaw();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('resolves a commit only once the WAL file is synced, and events staged meanwhile wait for the next', async () => {
    const synced: Array<() => void> = [];
    const probe = await fsPromises.open(join(dir, 'probe'), 'w');
    const prototype = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    const realSync = prototype.datasync;
    const datasyncs = jest.spyOn(prototype, 'datasync').mockImplementation(function (this: unknown) {
      return new Promise<void>((resolve) => synced.push(() => void realSync.call(this).then(resolve)));
    });
    try {
      const f = eventFactory();
      const log = openLog();
      log.stage(f.uploaded('a', 1));
      let committed = false;
      const commit = log.commit().then(() => (committed = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(datasyncs).toHaveBeenCalledTimes(1);
      expect(committed).toBe(false);
      // Staged while the first commit's sync is under way: its own transaction, committed by the next.
      log.stage(f.uploaded('b', 1));
      synced.shift()!();
      await commit;
      expect(committed).toBe(true);
      const next = log.commit();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(synced).toHaveLength(1);
      synced.shift()!();
      await next;
      expect(await log.lastSeq()).toBe(2);
    } finally {
      datasyncs.mockRestore();
    }
  });

  it('an in-memory log has no WAL file to sync: commits need none', async () => {
    const log = new SqliteEventLog({ file: ':memory:', now: NOW });
    await log.append([eventFactory().uploaded('a', 1)]);
    expect(await log.lastSeq()).toBe(1);
    await log.close();
  });
});
