import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { AuditResult, failed, passed } from '../../domain/audit/audit-failure';
import { SignedCheckpoint } from '../../domain/audit/checkpoint';
import { AuditLogReader, StoredEventRecord } from '../../domain/ports/audit-log-reader.port';
import { CatalogueTables } from './catalogue-tables';
import { CheckpointTable } from './checkpoint-table';
import { CosignatureTable } from './cosignature-table';
import { StoredCosignature } from '../../domain/ports/cosignature-store.port';
import { MerkleNodeTable } from './merkle-node-table';

const PAGE_SIZE = 5000;
const TABLES = ['events', 'merkle_nodes', 'checkpoints'];

/**
 * The audit database opened read-only (it cannot write, and WAL lets it read while a server appends),
 * for verifying and proving. Every value reaches SQLite as a bound parameter.
 */
export class SqliteAuditReader implements AuditLogReader {
  private readonly nodes: MerkleNodeTable;
  private readonly checkpointTable: CheckpointTable;
  private readonly cosignatureTable: CosignatureTable;
  private readonly page: Database.Statement<[number, number], StoredEventRecord>;
  private readonly one: Database.Statement<[number], StoredEventRecord | undefined>;
  private readonly rotations: Database.Statement<[], StoredEventRecord>;

  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {
    this.nodes = new MerkleNodeTable(db);
    this.checkpointTable = new CheckpointTable(db);
    this.cosignatureTable = new CosignatureTable(db);
    this.page = db.prepare('SELECT seq, record FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.one = db.prepare('SELECT seq, record FROM events WHERE seq = ?');
    this.rotations = db.prepare(
      "SELECT seq, record FROM events WHERE type = 'SigningKeyRotated' ORDER BY seq",
    );
  }

  static open(file: string): AuditResult<SqliteAuditReader> {
    // better-sqlite3 reports a missing folder as a bare TypeError; checking first gives one clear message.
    if (!existsSync(file)) return failed('UNREADABLE', `no audit log at ${file}`);
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      const present = db
        .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .pluck()
        .all();
      const missing = TABLES.filter((table) => !present.includes(table));
      if (missing.length > 0) {
        db.close();
        return failed(
          'UNREADABLE',
          `${file} has no ${missing.join(', ')} table: start a server of this version on it once`,
        );
      }
      return passed(new SqliteAuditReader(db, file));
    } catch (error) {
      if (db?.open) db.close();
      return failed(
        'UNREADABLE',
        `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  snapshot<T>(work: () => T): T {
    // A read transaction: every statement in it sees the database as it was at its first read.
    return this.db.transaction(work)();
  }

  *records(): Iterable<StoredEventRecord> {
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const rows = this.page.all(after, PAGE_SIZE);
      yield* rows;
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1].seq;
    }
  }

  record(seq: number): StoredEventRecord | undefined {
    return this.one.get(seq);
  }

  storedNode(level: number, index: number): Uint8Array | undefined {
    return this.nodes.find(level, index);
  }

  storedLeafCount(): number {
    return this.nodes.leafCount();
  }

  checkpoints(): Iterable<SignedCheckpoint> {
    return this.checkpointTable.all();
  }

  latestCheckpoint(): SignedCheckpoint | undefined {
    return this.checkpointTable.latest();
  }

  checkpointOfSize(size: number): SignedCheckpoint | undefined {
    return this.checkpointTable.ofSize(size);
  }

  cosignaturesOf(size: number): StoredCosignature[] {
    return this.cosignatureTable.ofSize(size);
  }

  cosignatures(): Iterable<StoredCosignature> {
    return this.cosignatureTable.newestFirst();
  }

  keyRotations(): StoredEventRecord[] {
    return this.rotations.all();
  }

  /**
   * The data folder's catalogue tables, read on this connection, so inside `snapshot` they are read in the
   * same snapshot as the log. `UNREADABLE` for a database no server of this version has opened yet.
   */
  catalogueTables(): AuditResult<CatalogueTables> {
    const tables = CatalogueTables.of(this.db);
    if (tables) return passed(tables);
    return failed(
      'UNREADABLE',
      `${this.file} has no catalogue tables: start a server of this version on it once`,
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
