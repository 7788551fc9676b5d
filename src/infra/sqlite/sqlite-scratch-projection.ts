import Database from 'better-sqlite3';
import { AuditResult, failed, passed } from '../../domain/audit/audit-failure';
import { BlobReference } from '../../domain/audit/blob-references';
import { FerryEvent } from '../../domain/events';
import { ProjectionDifference, ScratchProjection } from '../../domain/ports/scratch-projection.port';
import { CatalogueTables, firstCatalogueDifference } from './catalogue-tables';
import { migrate } from './migrations';
import { nameOfKey } from './name-sort-key';
import { SqliteCatalogueStore } from './sqlite-catalogue-store';

/**
 * Events folded per transaction. Each event is a savepoint of its own, so that a failure names its event;
 * the rollback journal is kept in memory (savepoints over an on-disk one cost three times as much), and
 * holds at most the pages one batch changed.
 */
const FOLD_BATCH = 1000;
/** Blob references read per query. */
const REFERENCE_PAGE = 1000;

/** The scratch store's schema_migrations rows are never read: no clock needed. */
const NEVER_READ = () => new Date(0).toISOString();

/**
 * A version's blob is referred to first by that version when no version with the same bytes has a lower
 * seq. Two indexes the server's tables do not need, built once the fold is done, let SQLite answer that in
 * seq order without sorting or remembering every blob it has seen.
 */
export const SCRATCH_INDEXES = `
  CREATE INDEX scratch_versions_by_seq ON catalogue_versions (seq);
  CREATE INDEX scratch_versions_by_blob ON catalogue_versions (sha256, seq);`;

/** One page of blob references: those first referred to after seq `?`, at most `?` of them. */
export const BLOB_REFERENCE_QUERY = `
  SELECT n.key, v.version, v.sha256, v.size, v.seq
  FROM catalogue_versions v INDEXED BY scratch_versions_by_seq
  CROSS JOIN catalogue_names n ON n.id = v.name_id
  WHERE v.seq > ?
    AND NOT EXISTS (SELECT 1 FROM catalogue_versions w INDEXED BY scratch_versions_by_blob
                    WHERE w.sha256 = v.sha256 AND w.seq < v.seq)
    AND NOT EXISTS (SELECT 1 FROM catalogue_collected c WHERE c.sha256 = v.sha256)
  ORDER BY v.seq
  LIMIT ?`;

interface ReferenceRow {
  readonly key: Buffer;
  readonly version: number;
  readonly sha256: string;
  readonly size: number;
  readonly seq: number;
}

/**
 * The log folded afresh by the very code the server folds with (`SqliteCatalogueStore`, on the same
 * migrations), into SQLite's anonymous temporary database: a file in SQLite's temporary directory
 * (SQLITE_TMPDIR or TMPDIR, else /var/tmp), unlinked as soon as it is opened, so it is gone when it is
 * closed and even if the process is killed, and never written into the data folder being verified. Only
 * SQLite's page cache (16 MiB by default) is in memory, however many files the catalogue holds.
 */
export class SqliteScratchProjection implements ScratchProjection {
  private readonly catalogue: SqliteCatalogueStore;
  private readonly refolded: CatalogueTables;
  /** Events folded in the transaction open now. */
  private pending = 0;
  private referencePage: Database.Statement<[number, number], ReferenceRow> | undefined;

  private constructor(
    private readonly db: Database.Database,
    private readonly stored: CatalogueTables,
  ) {
    this.catalogue = new SqliteCatalogueStore(db);
    this.refolded = CatalogueTables.of(db)!;
  }

  /** An empty projection, to hold `stored` (the data folder's tables) to. */
  static open(stored: CatalogueTables): AuditResult<SqliteScratchProjection> {
    let db: Database.Database | undefined;
    try {
      // An empty file name: SQLite's private temporary on-disk database.
      db = new Database('');
      db.pragma('synchronous = OFF');
      db.pragma('journal_mode = MEMORY');
      migrate(db, NEVER_READ);
      return passed(new SqliteScratchProjection(db, stored));
    } catch (error) {
      if (db?.open) db.close();
      const why = error instanceof Error ? error.message : String(error);
      return failed('UNREADABLE', `cannot make a scratch database to fold the log into: ${why}`);
    }
  }

  fold(events: readonly FerryEvent[]): void {
    if (!this.db.inTransaction) this.db.exec('BEGIN');
    this.catalogue.fold(events);
    this.pending += events.length;
    if (this.pending >= FOLD_BATCH) this.commit();
  }

  compareWithStored(logSize: number): ProjectionDifference | undefined {
    this.commit();
    if (this.catalogue.position() !== logSize) {
      throw new Error(`the scratch projection reflects ${this.catalogue.position()} events, not ${logSize}`);
    }
    const position = this.stored.position();
    if (position === undefined) {
      return { kind: 'row', table: 'catalogue_position', row: 'its one row', change: 'missing' };
    }
    if (position !== logSize) return { kind: 'position', stored: position, logSize };
    return firstCatalogueDifference(this.stored, this.refolded);
  }

  *blobReferences(): Iterable<BlobReference> {
    const page = this.prepareReferences();
    for (let after = 0; ;) {
      const rows = page.all(after, REFERENCE_PAGE);
      for (const { key, version, sha256, size, seq } of rows) {
        yield { sha256, size, name: nameOfKey(key), version, seq };
      }
      if (rows.length < REFERENCE_PAGE) return;
      after = rows[rows.length - 1].seq;
    }
  }

  close(): void {
    if (!this.db.open) return;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }

  private commit(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.pending = 0;
  }

  /** Built once the fold is done: indexing then is one sort, not an update per event. */
  private prepareReferences(): Database.Statement<[number, number], ReferenceRow> {
    if (this.referencePage) return this.referencePage;
    this.commit();
    this.db.exec(SCRATCH_INDEXES);
    this.referencePage = this.db.prepare(BLOB_REFERENCE_QUERY);
    return this.referencePage;
  }
}
