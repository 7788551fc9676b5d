import Database from 'better-sqlite3';
import { cpSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { scanAuditLog } from '../../src/domain/audit/log-scan';
import { FerryEvent } from '../../src/domain/events';
import { ProjectionDifference } from '../../src/domain/ports/scratch-projection.port';
import { sha256 } from '../../src/infra/crypto/sha256';
import { CatalogueTables, COMPARISON_QUERIES } from '../../src/infra/sqlite/catalogue-tables';
import { migrate } from '../../src/infra/sqlite/migrations';
import { SqliteAuditReader } from '../../src/infra/sqlite/sqlite-audit-reader';
import { SqliteEventLog } from '../../src/infra/sqlite/sqlite-event-log';
import {
  BLOB_REFERENCE_QUERY,
  SCRATCH_INDEXES,
  SqliteScratchProjection,
} from '../../src/infra/sqlite/sqlite-scratch-projection';
import { eventFactory, shaOf } from '../support/domain-events';
import { MemoryAuditLog, newTestKey } from '../support/memory-audit-log';
import { removeDir, tempDir } from '../support/test-server';

const NOW = () => '2024-01-01T00:00:00.000Z';

/**
 * Every table of the catalogue gets rows: names, versions, a restore, a deletion, a rename, requests, a GC,
 * accounts, bans, a folder.
 */
function fixtureEvents(): FerryEvent[] {
  const f = eventFactory();
  const upload = (name: string, version: number, label: string, size: number, requestId?: string) =>
    f.make('FileUploaded', {
      name,
      version,
      sha256: shaOf(label),
      size,
      ...(requestId === undefined ? {} : { requestId }),
    });
  return [
    f.make('UserAdded', { user: 'alice', role: 'write', passwordSet: true }, { actor: 'local:root' }),
    f.make('UserQuotaChanged', { user: 'alice', bytes: 1000, files: 10 }, { actor: 'local:root' }),
    upload('a.txt', 1, 'A', 10, 'req-1'),
    upload('b.txt', 1, 'B', 20),
    upload('a.txt', 2, 'A2', 11),
    f.make('FileRestored', {
      name: 'a.txt',
      version: 3,
      fromVersion: 1,
      sha256: shaOf('A'),
      size: 10,
      requestId: 'req-2',
    }),
    f.make('FileDeleted', { name: 'b.txt', version: 1, requestId: 'req-3' }),
    upload('c.txt', 1, 'C', 30),
    f.make(
      'GarbageCollected',
      {
        retentionDays: 0,
        blobs: [shaOf('B'), shaOf('A2')],
        versions: [
          { name: 'b.txt', version: 1 },
          { name: 'a.txt', version: 2 },
        ],
      },
      { actor: 'local:root' },
    ),
    // The same bytes as a.txt version 2 again: no longer collected.
    upload('d.txt', 1, 'A2', 11),
    f.make(
      'LoginFailed',
      { user: 'mallory', reason: 'bad-password' },
      {
        actor: 'anonymous',
        remote: '10.0.0.9:4000',
      },
    ),
    f.make(
      'AddressBanned',
      { address: '10.0.0.9', until: '2024-01-01T01:00:00.000Z', failures: 1, ban: 1 },
      { actor: 'anonymous', remote: '10.0.0.9:4000' },
    ),
    upload('dir/é "q".txt', 1, 'E', 40),
    f.make('FileRenamed', {
      from: 'c.txt',
      to: 'moved/c.txt',
      version: 1,
      fromVersion: 1,
      sha256: shaOf('C'),
      size: 30,
      requestId: 'req-4',
    }),
    f.make('FolderCreated', { path: 'empty/' }),
  ];
}

const FIXTURE_SIZE = fixtureEvents().length;

/** The data folder as a server leaves it: appended in several commits, each event folded as it is staged. */
async function writeDataFolder(dataDir: string): Promise<void> {
  const log = new SqliteEventLog({ file: join(dataDir, 'audit.db'), now: NOW });
  const events = fixtureEvents();
  await log.append(events.slice(0, 4));
  for (const event of events.slice(4, 9)) await log.append([event]);
  await log.append(events.slice(9));
  await log.close();
}

function tamper(dataDir: string, sql: string): void {
  const db = new Database(join(dataDir, 'audit.db'));
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

const nameId = (name: string) => `(SELECT id FROM catalogue_names WHERE key = CAST('${name}' AS BLOB))`;

interface Check {
  readonly logSize: number;
  readonly difference: ProjectionDifference | undefined;
}

/** The folder's audit reader and a scratch projection to refold into, as `verify` opens them. */
function openForCheck(dataDir: string) {
  const reader = SqliteAuditReader.open(join(dataDir, 'audit.db'));
  if (!reader.ok) throw new Error(reader.failure.message);
  const stored = reader.value.catalogueTables();
  if (!stored.ok) throw new Error(stored.failure.message);
  const scratch = SqliteScratchProjection.open(stored.value);
  if (!scratch.ok) throw new Error(scratch.failure.message);
  return { reader, scratch };
}

/** What `verify` does with the catalogue: refold in the reader's snapshot, then compare, in that snapshot. */
function checkCatalogue(dataDir: string, meanwhile: () => void = () => undefined): Check {
  const { reader, scratch } = openForCheck(dataDir);
  try {
    return reader.value.snapshot(() => {
      const scan = scanAuditLog(reader.value, sha256, undefined, scratch.value);
      if (!scan.ok) throw new Error(scan.failure.message);
      meanwhile();
      return { logSize: scan.value.size, difference: scratch.value.compareWithStored(scan.value.size) };
    });
  } finally {
    scratch.value.close();
    reader.value.close();
  }
}

/** SQLite's temporary files still open in this process (an unlinked one shows as "(deleted)"). */
function openSqliteTempFiles(): string[] {
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.includes('etilqs_'));
}

describe('the catalogue check of ferry audit verify: the data folder tables against the log folded afresh', () => {
  let work: string;
  let base: string;
  let copies = 0;
  const copy = () => {
    const dir = join(work, `copy-${++copies}`);
    cpSync(base, dir, { recursive: true });
    return dir;
  };

  beforeAll(async () => {
    work = tempDir('ferry-catalogue-check-');
    base = join(work, 'base');
    mkdirSync(base);
    await writeDataFolder(base);
  });

  afterAll(() => removeDir(work));

  it('finds no difference in a folder the server folded event by event', () => {
    expect(checkCatalogue(copy())).toEqual({ logSize: FIXTURE_SIZE, difference: undefined });
  });

  it('compares in the snapshot the log was read in, whatever a server appends meanwhile', async () => {
    const dir = copy();
    const writer = new SqliteEventLog({ file: join(dir, 'audit.db'), now: NOW });
    try {
      const check = checkCatalogue(dir, () => {
        // Commits at once: the staging and the COMMIT run before append's promise is awaited.
        void writer.append([eventFactory(FIXTURE_SIZE + 1).uploaded('late.txt', 1)]);
      });
      expect(check).toEqual({ logSize: FIXTURE_SIZE, difference: undefined });
      expect(await writer.lastSeq()).toBe(FIXTURE_SIZE + 1);
    } finally {
      await writer.close();
    }
    expect(checkCatalogue(dir)).toEqual({ logSize: FIXTURE_SIZE + 1, difference: undefined });
  });

  const row = (table: string, name: string, change: string, changed: object = {}) => ({
    kind: 'row',
    table,
    row: name,
    change,
    ...changed,
  });

  it.each<[string, string, object]>([
    [
      'a version made one byte longer',
      `UPDATE catalogue_versions SET size = size + 1 WHERE name_id = ${nameId('a.txt')} AND version = 2`,
      row('catalogue_versions', '"a.txt" version 2', 'changed', {
        column: 'size',
        stored: '12',
        expected: '11',
      }),
    ],
    [
      'a name row deleted',
      `DELETE FROM catalogue_names WHERE key = CAST('c.txt' AS BLOB)`,
      row('catalogue_names', '"c.txt"', 'missing'),
    ],
    [
      'a name row added',
      `INSERT INTO catalogue_names (key, live_version, latest_version) VALUES (CAST('ghost' AS BLOB), 1, 1)`,
      row('catalogue_names', '"ghost"', 'extra'),
    ],
    [
      'a live file hidden',
      `UPDATE catalogue_names SET live_version = NULL WHERE key = CAST('dir/é "q".txt' AS BLOB)`,
      row('catalogue_names', '"dir/é \\"q\\".txt"', 'changed', {
        column: 'live_version',
        stored: 'NULL',
        expected: '1',
      }),
    ],
    [
      "a live file's size changed where LIST reads it",
      `UPDATE catalogue_live SET size = size + 1 WHERE key = CAST('a.txt' AS BLOB)`,
      row('catalogue_live', '"a.txt"', 'changed', { column: 'size', stored: '11', expected: '10' }),
    ],
    [
      'a deleted file listed again',
      `INSERT INTO catalogue_live (key, version, sha256, size, at, actor, seq)
       VALUES (CAST('ghost' AS BLOB), 1, 'x', 1, '2024-01-01T00:00:00.000Z', 'alice', 99)`,
      row('catalogue_live', '"ghost"', 'extra'),
    ],
    [
      'a name given another internal id, which its versions no longer reach',
      `UPDATE catalogue_names SET id = 4242 WHERE key = CAST('c.txt' AS BLOB)`,
      row('catalogue_versions', '"c.txt" version 1', 'missing'),
    ],
    [
      'a version that belongs to no name',
      `INSERT INTO catalogue_versions (name_id, version, sha256, size, at, actor, seq)
       VALUES (4242, 1, 'x', 1, '2024-01-01T00:00:00.000Z', 'alice', 99)`,
      row('catalogue_versions', '1 row(s) whose name_id names no name', 'extra'),
    ],
    [
      'a deletion forgotten',
      'DELETE FROM catalogue_deletions',
      row('catalogue_deletions', '"b.txt" deleted or renamed in event 7', 'missing'),
    ],
    [
      'where a renamed version came from',
      `UPDATE catalogue_versions SET renamed_from = 'b.txt' WHERE name_id = ${nameId('moved/c.txt')}`,
      row('catalogue_versions', '"moved/c.txt" version 1', 'changed', {
        column: 'renamed_from',
        stored: '"b.txt"',
        expected: '"c.txt"',
      }),
    ],
    [
      'where a renamed name went',
      `UPDATE catalogue_deletions SET renamed_to = NULL WHERE name_id = ${nameId('c.txt')}`,
      row('catalogue_deletions', `"c.txt" deleted or renamed in event ${FIXTURE_SIZE - 1}`, 'changed', {
        column: 'renamed_to',
        stored: 'NULL',
        expected: '"moved/c.txt"',
      }),
    ],
    [
      'a remembered rename turned into an upload',
      `UPDATE catalogue_requests SET type = 'FileUploaded' WHERE request_id = 'req-4'`,
      row('catalogue_requests', 'request "req-4" of alice', 'changed', {
        column: 'type',
        stored: '"FileUploaded"',
        expected: '"FileRenamed"',
      }),
    ],
    [
      'a remembered request changed',
      `UPDATE catalogue_requests SET version = 9 WHERE request_id = 'req-2'`,
      row('catalogue_requests', 'request "req-2" of alice', 'changed', {
        column: 'version',
        stored: '9',
        expected: '3',
      }),
    ],
    [
      'collected bytes no longer marked so',
      'DELETE FROM catalogue_collected',
      row('catalogue_collected', `blob ${shaOf('B')}`, 'missing'),
    ],
    [
      'quota usage reset',
      'UPDATE catalogue_usage SET bytes = 0',
      row('catalogue_usage', 'actor alice', 'changed', { column: 'bytes', stored: '0', expected: '91' }),
    ],
    [
      'an account promoted',
      `UPDATE catalogue_accounts SET role = 'admin'`,
      row('catalogue_accounts', 'account alice', 'changed', {
        column: 'role',
        stored: '"admin"',
        expected: '"write"',
      }),
    ],
    [
      'an empty folder removed behind the log',
      'DELETE FROM catalogue_folders',
      row('catalogue_folders', 'folder "empty/"', 'missing'),
    ],
    [
      'a ban lifted behind the log',
      'DELETE FROM catalogue_addresses',
      row('catalogue_addresses', 'address 10.0.0.9', 'missing'),
    ],
    [
      'the position set back',
      'UPDATE catalogue_position SET seq = seq - 1',
      { kind: 'position', stored: FIXTURE_SIZE - 1, logSize: FIXTURE_SIZE },
    ],
    [
      'the position set ahead',
      'UPDATE catalogue_position SET seq = seq + 5',
      { kind: 'position', stored: FIXTURE_SIZE + 5, logSize: FIXTURE_SIZE },
    ],
    [
      'the position row deleted',
      'DELETE FROM catalogue_position',
      row('catalogue_position', 'its one row', 'missing'),
    ],
  ])('names %s', (_label, sql, expected) => {
    const dir = copy();
    tamper(dir, sql);
    expect(checkCatalogue(dir).difference).toEqual(expected);
  });

  it('names the first difference in table order, then key order', () => {
    const dir = copy();
    tamper(
      dir,
      `UPDATE catalogue_accounts SET role = 'admin';
       UPDATE catalogue_versions SET size = 0 WHERE name_id = ${nameId('c.txt')};
       UPDATE catalogue_versions SET size = 0 WHERE name_id = ${nameId('b.txt')};`,
    );
    expect(checkCatalogue(dir).difference).toMatchObject({
      table: 'catalogue_versions',
      row: '"b.txt" version 1',
    });
  });

  it('refolds with the server fold, so an event it cannot take is RECORD_INVALID with its seq', () => {
    const key = newTestKey();
    const f = eventFactory();
    const log = MemoryAuditLog.build([f.uploaded('a.txt', 1), f.uploaded('a.txt', 3)], [], key);
    const empty = new Database(':memory:');
    migrate(empty, NOW);
    const scratch = SqliteScratchProjection.open(CatalogueTables.of(empty)!);
    if (!scratch.ok) throw new Error(scratch.failure.message);
    try {
      const scan = scanAuditLog(log, sha256, key.verifier, scratch.value);
      expect(scan).toMatchObject({ ok: false, failure: { code: 'RECORD_INVALID', seq: 2 } });
      if (!scan.ok) expect(scan.failure.message).toMatch(/^event 2 cannot be folded.*version 3/);
    } finally {
      scratch.value.close();
      empty.close();
    }
  });

  it('lists the blobs that must exist from the refolded projection: first reference, in log order', () => {
    const reader = SqliteAuditReader.open(join(copy(), 'audit.db'));
    if (!reader.ok) throw new Error(reader.failure.message);
    const stored = reader.value.catalogueTables();
    if (!stored.ok) throw new Error(stored.failure.message);
    const scratch = SqliteScratchProjection.open(stored.value);
    if (!scratch.ok) throw new Error(scratch.failure.message);
    try {
      // Tampering with the data folder's tables must not change which blobs are checked.
      reader.value.snapshot(() => scanAuditLog(reader.value, sha256, undefined, scratch.value));
      expect([...scratch.value.blobReferences()]).toEqual([
        { sha256: shaOf('A'), size: 10, name: 'a.txt', version: 1, seq: 3 },
        { sha256: shaOf('A2'), size: 11, name: 'a.txt', version: 2, seq: 5 },
        { sha256: shaOf('C'), size: 30, name: 'c.txt', version: 1, seq: 8 },
        { sha256: shaOf('E'), size: 40, name: 'dir/é "q".txt', version: 1, seq: 13 },
      ]);
    } finally {
      scratch.value.close();
      reader.value.close();
    }
  });

  it('pages through more blob references than one query returns', () => {
    const key = newTestKey();
    const f = eventFactory();
    const events = Array.from({ length: 2500 }, (_, i) => f.uploaded(`f${i}`, 1, shaOf(`blob ${i % 2100}`)));
    const log = MemoryAuditLog.build(events, [], key);
    const empty = new Database(':memory:');
    migrate(empty, NOW);
    const scratch = SqliteScratchProjection.open(CatalogueTables.of(empty)!);
    if (!scratch.ok) throw new Error(scratch.failure.message);
    try {
      expect(scanAuditLog(log, sha256, key.verifier, scratch.value)).toMatchObject({ ok: true });
      const seqs = [...scratch.value.blobReferences()].map((reference) => reference.seq);
      expect(seqs).toEqual(Array.from({ length: 2100 }, (_, i) => i + 1));
    } finally {
      scratch.value.close();
      empty.close();
    }
  });

  it('writes nothing into the data folder, and its scratch file is gone once closed', () => {
    const dir = copy();
    // Opening the database read-only may leave SQLite's -wal and -shm beside it (docs/AUDIT.md); no more.
    const files = () => readdirSync(dir).filter((file) => !/-(wal|shm)$/.test(file));
    const before = files();
    const open = openSqliteTempFiles().length;
    const { reader, scratch } = openForCheck(dir);
    reader.value.snapshot(() => scanAuditLog(reader.value, sha256, undefined, scratch.value));
    // SQLite makes the file only once its page cache overflows (not for so small a log), and unlinks it
    // as soon as it is made: nothing to clean up even if the process is killed.
    expect(openSqliteTempFiles().every((target) => target.endsWith('(deleted)'))).toBe(true);
    scratch.value.close();
    reader.value.close();
    expect(openSqliteTempFiles()).toHaveLength(open);
    expect(files()).toEqual(before);
  });

  it('says so when the data folder has no catalogue tables yet', () => {
    const dir = copy();
    tamper(dir, 'DROP TABLE catalogue_usage');
    const reader = SqliteAuditReader.open(join(dir, 'audit.db'));
    if (!reader.ok) throw new Error(reader.failure.message);
    expect(reader.value.catalogueTables()).toMatchObject({ ok: false, failure: { code: 'UNREADABLE' } });
    reader.value.close();
  });

  it('streams every comparison and the blob references: no sort, no temporary B-tree', () => {
    const db = new Database(':memory:');
    migrate(db, NOW);
    db.exec(SCRATCH_INDEXES);
    const plans = [...COMPARISON_QUERIES, BLOB_REFERENCE_QUERY].map((sql) => {
      const params = sql.includes('?') ? [0, 1] : [];
      const steps = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
      return steps.map((step) => step.detail).join('; ');
    });
    db.close();
    expect(plans).toHaveLength(12);
    for (const plan of plans) expect(plan).not.toMatch(/TEMP B-TREE|SCAN .* USING .*AUTOMATIC/);
  });
});
