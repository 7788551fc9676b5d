import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { WitnessedHead } from '../../domain/witness/witness-decision';
import { WitnessEvidence, WitnessState } from '../../domain/ports/witness-state.port';

/** In the witness's key folder. */
export const WITNESS_STATE_FILE = 'witness.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS witness_identity (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS witnessed_logs (
  origin TEXT PRIMARY KEY,
  size   INTEGER NOT NULL,
  root   BLOB NOT NULL,
  at     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence (
  id      INTEGER PRIMARY KEY,
  origin  TEXT NOT NULL,
  at      TEXT NOT NULL,
  status  INTEGER NOT NULL,
  reason  TEXT NOT NULL,
  request TEXT NOT NULL
);`;

/** Evidence is kept up to this many requests: a log that keeps sending bad ones must not fill the disk. */
const MAX_EVIDENCE = 1000;

/**
 * A witness's memory in SQLite (`witness.db` in its key folder), synchronous=FULL: a cosignature is only
 * sent after the head it vouches for is on disk, so a witness that crashes never forgets what it signed.
 */
export class SqliteWitnessState implements WitnessState {
  private readonly db: Database.Database;
  private readonly readName: Database.Statement<[], string | undefined>;
  private readonly writeName: Database.Statement<[string]>;
  private readonly readHead: Database.Statement<[string], { size: number; root: Buffer } | undefined>;
  private readonly insertHead: Database.Statement<[string, number, Uint8Array, string]>;
  private readonly updateHead: Database.Statement<[number, Uint8Array, string, string, number]>;
  private readonly insertEvidence: Database.Statement<[string, string, number, string, string, number]>;
  private readonly readEvidence: Database.Statement<[], WitnessEvidence>;

  constructor(file: string) {
    this.db = new Database(file);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.readName = this.db.prepare<[], string | undefined>('SELECT name FROM witness_identity').pluck();
    this.writeName = this.db.prepare('INSERT INTO witness_identity (id, name) VALUES (1, ?)');
    this.readHead = this.db.prepare('SELECT size, root FROM witnessed_logs WHERE origin = ?');
    this.insertHead = this.db.prepare(
      'INSERT INTO witnessed_logs (origin, size, root, at) VALUES (?, ?, ?, ?) ON CONFLICT (origin) DO NOTHING',
    );
    this.updateHead = this.db.prepare(
      'UPDATE witnessed_logs SET size = ?, root = ?, at = ? WHERE origin = ? AND size = ?',
    );
    this.insertEvidence = this.db.prepare(
      `INSERT INTO evidence (origin, at, status, reason, request)
       SELECT ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM evidence) < ?`,
    );
    this.readEvidence = this.db.prepare(
      'SELECT origin, at, status, reason, request FROM evidence ORDER BY id',
    );
  }

  /** The name in a state file, read only (a running witness may hold it); undefined if none. */
  static storedName(file: string): string | undefined {
    if (!existsSync(file)) return undefined;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare<[], string | undefined>('SELECT name FROM witness_identity').pluck().get();
    } finally {
      db.close();
    }
  }

  name(): string | undefined {
    return this.readName.get();
  }

  nameOnce(name: string): void {
    this.writeName.run(name);
  }

  latest(origin: string): WitnessedHead | undefined {
    const row = this.readHead.get(origin);
    return row && { size: row.size, root: new Uint8Array(row.root) };
  }

  advance(origin: string, fromSize: number, head: WitnessedHead, at: string): boolean {
    const changed =
      fromSize === 0 && this.latest(origin) === undefined
        ? this.insertHead.run(origin, head.size, head.root, at).changes
        : this.updateHead.run(head.size, head.root, at, origin, fromSize).changes;
    return changed === 1;
  }

  keepEvidence(evidence: WitnessEvidence): void {
    const { origin, at, status, reason, request } = evidence;
    this.insertEvidence.run(origin, at, status, reason, request, MAX_EVIDENCE);
  }

  evidence(): WitnessEvidence[] {
    return this.readEvidence.all();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
