import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { WitnessedHead } from '../../domain/witness/witness-decision';
import { WitnessEvidence, WitnessState, WitnessStateIdentity } from '../../domain/ports/witness-state.port';

/** In the witness's key folder. */
export const WITNESS_STATE_FILE = 'witness.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS witness_identity (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  name   TEXT NOT NULL,
  key_id TEXT NOT NULL
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

/** Evidence is kept up to this many requests per log: one that keeps sending bad ones must not fill the disk. */
const MAX_EVIDENCE_PER_LOG = 100;

/**
 * A witness's memory in SQLite (`witness.db` in its key folder), synchronous=FULL: a cosignature is only
 * sent after the head it vouches for is on disk, so a witness that crashes never forgets what it signed.
 */
export class SqliteWitnessState implements WitnessState {
  private readonly db: Database.Database;
  private readonly readIdentity: Database.Statement<[], WitnessStateIdentity | undefined>;
  private readonly writeIdentity: Database.Statement<[string, string]>;
  private readonly anyLog: Database.Statement<[], number | undefined>;
  private readonly readHead: Database.Statement<[string], { size: number; root: Buffer } | undefined>;
  private readonly insertHead: Database.Statement<[string, number, Uint8Array, string]>;
  private readonly updateHead: Database.Statement<[number, Uint8Array, string, string, number]>;
  private readonly insertEvidence: Database.Statement<
    [string, string, number, string, string, string, number]
  >;
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
    this.readIdentity = this.db.prepare('SELECT name, key_id AS keyId FROM witness_identity');
    this.writeIdentity = this.db.prepare('INSERT INTO witness_identity (id, name, key_id) VALUES (1, ?, ?)');
    this.readHead = this.db.prepare('SELECT size, root FROM witnessed_logs WHERE origin = ?');
    this.anyLog = this.db.prepare<[], number | undefined>('SELECT 1 FROM witnessed_logs LIMIT 1').pluck();
    this.insertHead = this.db.prepare(
      'INSERT INTO witnessed_logs (origin, size, root, at) VALUES (?, ?, ?, ?) ON CONFLICT (origin) DO NOTHING',
    );
    this.updateHead = this.db.prepare(
      'UPDATE witnessed_logs SET size = ?, root = ?, at = ? WHERE origin = ? AND size = ?',
    );
    this.insertEvidence = this.db.prepare(
      `INSERT INTO evidence (origin, at, status, reason, request)
       SELECT ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM evidence WHERE origin = ?) < ?`,
    );
    this.readEvidence = this.db.prepare(
      'SELECT origin, at, status, reason, request FROM evidence ORDER BY id',
    );
  }

  /** The identity in a state file, read only (a running witness may hold it); undefined if none. */
  static storedIdentity(file: string): WitnessStateIdentity | undefined {
    if (!existsSync(file)) return undefined;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db
        .prepare<[], WitnessStateIdentity | undefined>('SELECT name, key_id AS keyId FROM witness_identity')
        .get();
    } finally {
      db.close();
    }
  }

  identity(): WitnessStateIdentity | undefined {
    return this.readIdentity.get();
  }

  identifyOnce(identity: WitnessStateIdentity): void {
    this.writeIdentity.run(identity.name, identity.keyId);
  }

  knowsAnyLog(): boolean {
    return this.anyLog.get() !== undefined;
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

  keepEvidence(evidence: WitnessEvidence): boolean {
    const { origin, at, status, reason, request } = evidence;
    const inserted = this.insertEvidence.run(
      origin,
      at,
      status,
      reason,
      request,
      origin,
      MAX_EVIDENCE_PER_LOG,
    );
    return inserted.changes === 1;
  }

  evidence(): WitnessEvidence[] {
    return this.readEvidence.all();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
