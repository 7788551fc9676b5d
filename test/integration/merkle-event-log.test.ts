import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootAt } from '../../src/domain/audit/merkle';
import { FerryEvent } from '../../src/domain/events';
import { dataFolderSigningKey } from '../../src/infra/crypto/signing-key-files';
import { sha256 } from '../../src/infra/crypto/sha256';
import { migrate, MIGRATIONS_DIR } from '../../src/infra/sqlite/migrations';
import { SqliteEventLog } from '../../src/infra/sqlite/sqlite-event-log';
import { expectedNodes, hexMap, naiveRoot, readStoredTree, storedNodeReader } from '../support/audit-db-tree';
import { eventFactory, EventFactory } from '../support/domain-events';

const NOW = () => '2024-01-01T00:00:00.000Z';

describe('SqliteEventLog keeps a Merkle tree of its events', () => {
  let dir: string;
  let file: string;
  const open: SqliteEventLog[] = [];

  /** Checkpoints after every batch, so each batch's root can be read back and compared. */
  function openLog(): SqliteEventLog {
    const checkpoints = {
      key: dataFolderSigningKey(dir),
      policy: { everyEvents: 1, everySeconds: 3600 },
    };
    const log = new SqliteEventLog({ file, now: NOW, checkpoints });
    open.push(log);
    return log;
  }

  function batches(f: EventFactory, sizes: number[]): FerryEvent[][] {
    return sizes.map((size) =>
      Array.from({ length: size }, (_, i) => f.uploaded(`file-${f.nextSeq}-${i}`, 1)),
    );
  }

  function expectSoundTree(): void {
    const tree = readStoredTree(file);
    expect(hexMap(tree.nodes)).toEqual(expectedNodes(tree.records));
    for (const checkpoint of tree.checkpoints) {
      const fromNodes = rootAt(sha256, storedNodeReader(tree), checkpoint.size);
      const naive = naiveRoot(tree.records.slice(0, checkpoint.size));
      expect(Buffer.from(fromNodes).toString('hex')).toBe(checkpoint.root.toString('hex'));
      expect(Buffer.from(naive).toString('hex')).toBe(checkpoint.root.toString('hex'));
    }
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-merkle-'));
    file = join(dir, 'audit.db');
  });

  afterEach(async () => {
    for (const log of open.splice(0)) await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every perfect node, and each batch root equals rootAt over the nodes and a naive MTH', async () => {
    const f = eventFactory();
    const log = openLog();
    const sizes = [1, 1, 2, 3, 1, 8, 16, 5, 1, 26];
    for (const batch of batches(f, sizes)) await log.append(batch);
    const tree = readStoredTree(file);
    expect(tree.records).toHaveLength(64);
    expect(tree.checkpoints.map((c) => c.size)).toEqual([1, 2, 4, 7, 8, 16, 32, 37, 38, 64]);
    // 64 leaves make 127 perfect nodes; an O(n^2) or per-prefix store would hold far more.
    expect(tree.nodes.size).toBe(127);
    expectSoundTree();
  });

  it('picks the frontier up from the stored nodes after a reopen', async () => {
    const f = eventFactory();
    let log = openLog();
    for (const batch of batches(f, [3, 4, 6])) await log.append(batch);
    await log.close();
    log = openLog();
    for (const batch of batches(f, [1, 9, 2])) await log.append(batch);
    await log.close();
    log = openLog();
    await log.append(batches(f, [7])[0]);
    expect(readStoredTree(file).records).toHaveLength(32);
    expectSoundTree();
  });

  it('forgets the leaves of a refused batch, so the next batch extends the tree correctly', async () => {
    const f = eventFactory();
    const log = openLog();
    await log.append(batches(f, [5])[0]);
    const good = f.uploaded('good', 1);
    f.uploaded('skipped', 1);
    const afterGap = f.uploaded('after-gap', 1);
    await expect(log.append([good, afterGap])).rejects.toThrow();
    await log.append([good]);
    expect(readStoredTree(file).records).toHaveLength(6);
    expectSoundTree();
  });

  it('builds the tree of a log written before the tree existed, once, at open', async () => {
    const oldSchema = join(dir, 'old-migrations');
    mkdirSync(oldSchema);
    copyFileSync(join(MIGRATIONS_DIR, '001_events.sql'), join(oldSchema, '001_events.sql'));
    const old = new Database(file);
    migrate(old, NOW, oldSchema);
    const f = eventFactory();
    const insert = old.prepare('INSERT INTO events (seq, record) VALUES (?, ?)');
    for (const event of batches(f, [11])[0]) insert.run(event.seq, JSON.stringify(event));
    old.close();

    const log = openLog();
    await log.append(batches(f, [2])[0]);
    expect(readStoredTree(file).records).toHaveLength(13);
    expectSoundTree();
  });

  it('refuses to open a log whose stored tree has more leaves than it has events', async () => {
    const f = eventFactory();
    const log = openLog();
    await log.append(batches(f, [4])[0]);
    await log.close();
    const db = new Database(file);
    db.exec('DROP TRIGGER events_are_append_only_delete');
    db.exec('DELETE FROM events WHERE seq = 4');
    db.close();
    expect(() => openLog()).toThrow(/damaged/);
  });
});
