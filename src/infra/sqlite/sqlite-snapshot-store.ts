import Database from 'better-sqlite3';
import { CatalogueSnapshot, SNAPSHOT_FORMAT } from '../../domain/catalogue';
import { SnapshotStore } from '../../domain/ports/snapshot-store.port';

/** How many snapshots to keep; older ones only serve time travel to the distant past. */
const KEEP = 5;

/**
 * Snapshots in the audit database, on a connection of their own (the event log has migrated the schema
 * by the time this opens). A snapshot in an older format is skipped, not misread.
 */
export class SqliteSnapshotStore implements SnapshotStore {
  private readonly db: Database.Database;
  private readonly find: Database.Statement<[number, number, string], string>;
  private readonly insert: Database.Statement<[number, string, number, string]>;
  private readonly prune: Database.Statement<[number]>;

  constructor(file: string) {
    this.db = new Database(file, { fileMustExist: true });
    this.db.pragma('journal_mode = WAL');
    this.find = this.db
      .prepare<[number, number, string], string>(
        'SELECT state FROM snapshots WHERE format = ? AND seq <= ? AND last_at <= ? ORDER BY seq DESC LIMIT 1',
      )
      .pluck();
    this.insert = this.db.prepare(
      'INSERT OR REPLACE INTO snapshots (seq, last_at, format, state) VALUES (?, ?, ?, ?)',
    );
    this.prune = this.db.prepare(
      'DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)',
    );
  }

  async latest(limits: { maxSeq?: number; maxTime?: string } = {}): Promise<CatalogueSnapshot | undefined> {
    const state = this.find.get(
      SNAPSHOT_FORMAT,
      limits.maxSeq ?? Number.MAX_SAFE_INTEGER,
      limits.maxTime ?? '\uffff',
    );
    if (state === undefined) return undefined;
    try {
      return JSON.parse(state) as CatalogueSnapshot;
    } catch {
      return undefined;
    }
  }

  async save(snapshot: CatalogueSnapshot, lastEventAt: string): Promise<void> {
    this.insert.run(snapshot.position, lastEventAt, snapshot.format, JSON.stringify(snapshot));
    this.prune.run(KEEP);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
