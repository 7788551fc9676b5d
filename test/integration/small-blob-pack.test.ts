import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventLog } from '../../src/infra/sqlite/sqlite-event-log';
import { SmallBlobPack } from '../../src/infra/storage/small-blob-pack';
import { eventFactory } from '../support/domain-events';

const NOW = () => '2024-01-01T00:00:00.000Z';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Bytes the pack cannot bind: the insert fails as a full disk's would, after the log staged its events. */
const UNBINDABLE = {} as unknown as Uint8Array;

describe('SmallBlobPack on the audit log’s connection', () => {
  let dir: string;
  let file: string;
  let log: SqliteEventLog;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-pack-'));
    file = join(dir, 'audit.db');
    log = new SqliteEventLog({ file, now: NOW });
  });
  afterEach(async () => {
    await log.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps, lists and deletes blobs, and heals a row whose bytes were damaged', async () => {
    const bytes = Buffer.from('a small file');
    await log.smallBlobs.put(sha256(bytes), bytes);
    expect(log.smallBlobs.get(sha256(bytes))?.equals(bytes)).toBe(true);
    expect([...log.smallBlobs.list()]).toEqual([sha256(bytes)]);
    const outside = new Database(file);
    outside
      .prepare('UPDATE small_blobs SET bytes = ? WHERE sha256 = ?')
      .run(Buffer.from('rot'), sha256(bytes));
    outside.close();
    await log.smallBlobs.put(sha256(bytes), bytes);
    expect(log.smallBlobs.get(sha256(bytes))?.equals(bytes)).toBe(true);
    log.smallBlobs.delete(sha256(bytes));
    expect(log.smallBlobs.has(sha256(bytes))).toBe(false);
  });

  it('breaks the log when a failed write may have taken staged events with it: nothing is committed', async () => {
    const f = eventFactory();
    await log.append([f.make('SessionOpened', { protocol: 1 })]);
    log.stage(f.make('HelpShown', {}));
    await expect(log.smallBlobs.put('ab'.repeat(32), UNBINDABLE)).rejects.toMatchObject({
      name: 'StoreError',
      kind: 'io',
    });
    await expect(log.commit()).rejects.toMatchObject({ name: 'EventLogError' });
    expect(() => log.stage(f.make('HelpShown', {}))).toThrow();
    await log.close().catch(() => undefined);
    log = new SqliteEventLog({ file, now: NOW });
    expect(await log.lastSeq()).toBe(1);
  });

  it('leaves the log going when a write fails with nothing staged', async () => {
    const f = eventFactory();
    await expect(log.smallBlobs.put('cd'.repeat(32), UNBINDABLE)).rejects.toMatchObject({ kind: 'io' });
    await log.append([f.make('SessionOpened', { protocol: 1 })]);
    expect(await log.lastSeq()).toBe(1);
  });
});

describe('SmallBlobPack on a folder from an older version (no small_blobs table)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-pack-old-'));
    file = join(dir, 'audit.db');
    const db = new Database(file);
    db.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, record TEXT NOT NULL)');
    db.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads as empty, and is not opened for writing', async () => {
    const reader = SmallBlobPack.openForReading(file);
    expect(reader.has('ab'.repeat(32))).toBe(false);
    expect(reader.get('ab'.repeat(32))).toBeUndefined();
    expect([...reader.list()]).toEqual([]);
    await reader.close();
    expect(SmallBlobPack.openForWriting(file)).toBeUndefined();
    expect(SmallBlobPack.openForWriting(join(dir, 'none.db'))).toBeUndefined();
  });
});
