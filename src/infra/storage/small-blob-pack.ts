import Database from 'better-sqlite3';
import { StoreError } from '../../domain/ports/file-store.port';
import { WalDurability } from '../sqlite/wal-durability';
import { asStoreError, guardSync } from './store-errors';

/** Blobs of at most this many bytes are kept in the pack rather than as files of their own. */
export const PACKED_BLOB_LIMIT = 64 * 1024;

/** Names listed per query: memory stays flat however many blobs there are. */
const LIST_PAGE = 1000;

interface QueuedBlob {
  readonly sha256: string;
  readonly bytes: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: StoreError) => void;
}

/**
 * Small blobs as rows of one SQLite database. A blob as a file of its own costs a create, a write, an
 * fsync, a close, a rename and a folder fsync, each a trip to the thread pool and most a journal commit
 * in the kernel; blobs put in the same turn of the event loop are written in one transaction and made
 * durable by one WAL fsync (group commit), and a read is one indexed lookup. SQLite reads and writes
 * blobs of a few KiB faster than the file system does (sqlite.org/intern-v-extern-blob.html).
 */
export class SmallBlobPack {
  private readonly durability: WalDurability | undefined;
  private readonly select: Database.Statement<[string], Buffer | undefined>;
  private readonly exists: Database.Statement<[string], number | undefined>;
  private readonly page: Database.Statement<[string, number], string>;
  private readonly insert: Database.Statement<[string, Uint8Array]> | undefined;
  private readonly remove: Database.Statement<[string]> | undefined;
  private queue: QueuedBlob[] = [];
  private flushScheduled = false;
  private lastFlush: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: Database.Database,
    /** Whether a put waits for its bytes to reach the disk (false: faster, not durable). */
    private readonly fsync: boolean,
  ) {
    const writable = !db.readonly;
    if (writable) {
      this.durability = new WalDurability(db);
      db.exec(
        'CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID',
      );
    }
    this.select = db
      .prepare<[string], Buffer | undefined>('SELECT bytes FROM blobs WHERE sha256 = ?')
      .pluck();
    this.exists = db.prepare<[string], number | undefined>('SELECT 1 FROM blobs WHERE sha256 = ?').pluck();
    this.page = db
      .prepare<[string, number], string>('SELECT sha256 FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ?')
      .pluck();
    if (writable) {
      this.insert = db.prepare('INSERT OR IGNORE INTO blobs (sha256, bytes) VALUES (?, ?)');
      this.remove = db.prepare('DELETE FROM blobs WHERE sha256 = ?');
    }
  }

  /** The pack of a store that writes, made if missing. */
  static openForWriting(file: string, options: { readonly fsync: boolean }): SmallBlobPack {
    return guardSync(() => {
      const db = new Database(file);
      try {
        return new SmallBlobPack(db, options.fsync);
      } catch (error) {
        db.close();
        throw error;
      }
    });
  }

  /** The pack of a store that only reads (a server may be writing it meanwhile). */
  static openForReading(file: string): SmallBlobPack {
    return guardSync(
      () => new SmallBlobPack(new Database(file, { readonly: true, fileMustExist: true }), false),
    );
  }

  get(sha256: string): Buffer | undefined {
    return guardSync(() => this.select.get(sha256));
  }

  has(sha256: string): boolean {
    return guardSync(() => this.exists.get(sha256) !== undefined);
  }

  /**
   * Stores the bytes under their SHA-256 (known content is kept as it is) and resolves once they are
   * durable, together with every other blob put in the same turn of the event loop.
   */
  put(sha256: string, bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ sha256, bytes, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => {
        this.lastFlush = this.lastFlush.then(() => this.flush());
      });
    });
  }

  delete(sha256: string): void {
    guardSync(() => this.writable(this.remove).run(sha256));
  }

  *list(): Iterable<string> {
    let after = '';
    for (;;) {
      const names = guardSync(() => this.page.all(after, LIST_PAGE));
      yield* names;
      if (names.length < LIST_PAGE) return;
      after = names[names.length - 1];
    }
  }

  /** Waits for the puts under way; a put after this fails. */
  async close(): Promise<void> {
    await this.lastFlush;
    await this.durability?.close();
    if (this.db.open) this.db.close();
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    try {
      const insert = this.writable(this.insert);
      this.db.transaction(() => batch.forEach((blob) => insert.run(blob.sha256, blob.bytes)))();
      if (this.fsync) await this.durability?.sync();
    } catch (error) {
      for (const blob of batch) blob.reject(asStoreError(error));
      return;
    }
    for (const blob of batch) blob.resolve();
  }

  private writable<T>(statement: T | undefined): T {
    if (statement === undefined) throw new StoreError('io', 'the small-blob pack is open for reading only');
    return statement;
  }
}
