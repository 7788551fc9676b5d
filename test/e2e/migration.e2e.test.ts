import Database from 'better-sqlite3';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import { LogLine, recordingLogger } from '../support/recording-logger';
import { RawConnection } from '../support/raw-connection';
import { chunksOf, collector } from '../support/streams';
import { removeDir, startTestServer, tempDir, TestServer } from '../support/test-server';

const FIXTURE = join(__dirname, '..', 'fixtures', 'previous-version');

interface Recorded {
  readonly password: string;
  readonly last: number;
  readonly replies: ReadonlyArray<{ readonly query: string; readonly lines: readonly string[] }>;
}

/** A data folder written by the version that kept the catalogue in memory and saved JSON snapshots. */
describe('a data folder from the previous version', () => {
  const recorded = JSON.parse(readFileSync(join(FIXTURE, 'replies.json'), 'utf8')) as Recorded;
  let dataDir: string;
  let ferry: TestServer;
  const logged: LogLine[] = [];
  let eventsBefore = 0;

  beforeAll(async () => {
    dataDir = tempDir();
    cpSync(join(FIXTURE, 'data'), dataDir, { recursive: true });
    eventsBefore = readEvents(dataDir).length;
    const logger = recordingLogger((line) => logged.push(line));
    ferry = await startTestServer({ dataDir, overrides: { logger } });
  });

  afterAll(async () => {
    await ferry?.stop();
    removeDir(dataDir);
  });

  it('is migrated at start: the catalogue caught up from the log, the snapshots gone', async () => {
    expect(ferry.app.ledger.catalogue.position()).toBeGreaterThanOrEqual(recorded.last);
    const events = readEvents(dataDir);
    expect(events.length).toBeGreaterThan(recorded.last);
    // The whole log of the old folder was folded once, at start, and the log says so.
    const caughtUp = logged.filter((line) => line.message === 'catalogue caught up with the audit log');
    expect(caughtUp.map((line) => line.fields)).toEqual([{ folded: eventsBefore }]);
    expect(eventsBefore).toBeGreaterThan(recorded.last);
    expect(ferry.app.ledger.catalogue.accounts.list().map((account) => account.name)).toEqual([
      'admin',
      'alice',
      'bob',
    ]);
    const lastFailure = events.filter((event) => event.type === 'LoginFailed').at(-1)!;
    expect(
      ferry.app.ledger.catalogue.bans.failuresWithin('127.0.0.1', 60_000, new Date(lastFailure.at)),
    ).toBe(3);
    const db = new Database(join(dataDir, 'audit.db'), { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
      expect(tables).not.toContain('snapshots');
      expect(tables).toContain('catalogue_versions');
    } finally {
      db.close();
    }
  });

  it('answers LIST (now and at past seqs), STAT, HISTORY and USER LIST byte for byte as that version did', async () => {
    const raw = await RawConnection.open(ferry.address);
    for (const { query, lines } of recorded.replies) {
      raw.send(`${query}\n`);
      const [head] = await raw.lines(1);
      const count = /^OK (?:count|lines)=(\d+)/.exec(head);
      const rest = count ? await raw.lines(Number(count[1])) : [];
      expect({ query, lines: [head, ...rest] }).toEqual({ query, lines });
    }
    raw.send('LOGOUT\n');
    await raw.closed();
  });

  it('serves on: old bytes download, new uploads get the next version, quotas and disabled accounts hold', async () => {
    const admin = await ferry.connect();
    await admin.login('admin', recorded.password);
    const old = collector();
    await admin.download('docs/readme.md', old.sink, { version: 1 });
    expect(old.bytes().toString()).toBe('first');
    // Garbage collection (retention 0) took version 2's bytes, and the migrated catalogue knows it.
    await expect(admin.download('docs/readme.md', collector().sink, { version: 2 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const stored = await admin.upload('docs/readme.md', chunksOf(Buffer.from('fourth')), 6);
    expect(stored.version).toBe(4);
    await admin.logout();
    const alice = await ferry.connect();
    await alice.login('alice', recorded.password);
    await expect(alice.upload('alice/big.bin', chunksOf(Buffer.alloc(996)), 996)).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
    });
    await alice.logout();
    const bob = await ferry.connect();
    await expect(bob.login('bob', recorded.password)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    bob.destroy();
  });
});
