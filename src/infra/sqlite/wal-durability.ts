import type Database from 'better-sqlite3';
import { open, FileHandle } from 'node:fs/promises';

/**
 * Commits that survive power loss at one fsync each, made off the event loop. The database runs in WAL
 * mode with synchronous=NORMAL, so SQLite does not fsync the WAL at COMMIT; `sync` then fsyncs the WAL
 * file itself on the thread pool. With synchronous=FULL SQLite would make the same fsync inside COMMIT,
 * which blocks the process for as long as the disk takes. SQLite still syncs the WAL before each
 * checkpoint and the database after it, as it does under FULL.
 */
export class WalDurability {
  /** The WAL file, opened at the first sync. */
  private wal: FileHandle | undefined;
  /** Undefined for a database without a WAL file (in memory): SQLite's own syncing stands. */
  private readonly walPath: string | undefined;

  /** Puts `db` in WAL mode: call before anything is written to it. */
  constructor(db: Database.Database) {
    const journal = db.pragma('journal_mode = WAL', { simple: true });
    this.walPath = journal === 'wal' ? `${db.name}-wal` : undefined;
    db.pragma(this.walPath === undefined ? 'synchronous = FULL' : 'synchronous = NORMAL');
  }

  /**
   * Resolves once every transaction committed before the call is on disk. Transactions committed
   * meanwhile may or may not be: the next call covers them.
   */
  async sync(): Promise<void> {
    if (this.walPath === undefined) return;
    this.wal ??= await open(this.walPath, 'r+');
    await this.wal.datasync();
  }

  async close(): Promise<void> {
    await this.wal?.close();
    this.wal = undefined;
  }
}
