import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync } from 'node:fs';
import { CredentialStore } from '../../domain/ports/credential-store.port';

/**
 * Password hashes in their own database file beside the audit log (credentials.db, mode 0600), so the
 * audit database can be handed to an auditor without a single hash in it.
 */
export class SqliteCredentialStore implements CredentialStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, string]>;
  private readonly select: Database.Statement<[string, string], { hash: string }>;

  constructor(file: string) {
    // Created owner-only before SQLite opens it, so the file is never readable by others, not even briefly.
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS credentials (
      user TEXT NOT NULL, event_id TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (user, event_id))`);
    this.insert = this.db.prepare(
      'INSERT OR REPLACE INTO credentials (user, event_id, hash) VALUES (?, ?, ?)',
    );
    this.select = this.db.prepare('SELECT hash FROM credentials WHERE user = ? AND event_id = ?');
  }

  async save(user: string, eventId: string, hash: string): Promise<void> {
    this.insert.run(user, eventId, hash);
  }

  async find(user: string, eventId: string): Promise<string | undefined> {
    return this.select.get(user, eventId)?.hash;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
