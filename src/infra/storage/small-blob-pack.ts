import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { WalDurability } from '../sqlite/wal-durability';
import { asStoreError, guard, guardSync } from './store-errors';

/** Blobs of at most this many bytes are kept in the pack rather than as files of their own. */
export const PACKED_BLOB_LIMIT = 64 * 1024;

/** Names listed per query: memory stays flat however many blobs there are. */
const LIST_PAGE = 1000;

/** An after-put or a release with nothing to do. */
const NOTHING = async (): Promise<void> => undefined;

interface Statements {
  readonly select: Database.Statement<[string], Buffer | undefined>;
  readonly exists: Database.Statement<[string], number | undefined>;
  readonly page: Database.Statement<[string, number], string>;
  readonly insert: Database.Statement<[string, Uint8Array]>;
  readonly remove: Database.Statement<[string]>;
}

/**
 * Small blobs as rows of the audit database's `small_blobs` table (migrations/012_small_blobs.sql). A blob
 * as a file of its own costs a create, a write, an fsync, a close, a rename and a folder fsync, each a trip
 * to the thread pool and most a journal commit in the kernel; a row costs an insert, made durable by the
 * WAL fsync the log makes anyway for the events that follow it, and a read is one indexed lookup. SQLite
 * reads and writes blobs of a few KiB faster than the file system does (sqlite.org/intern-v-extern-blob.html).
 */
export class SmallBlobPack {
  private constructor(
    private readonly db: Database.Database,
    /** Undefined when the database has no pack (a folder from an older version, opened to read). */
    private readonly statements: Statements | undefined,
    /** Called after each put: resolves once the blob is as durable as the pack promises. */
    private readonly afterPut: () => Promise<void>,
    /** What `close` must release: nothing for a pack on the log's connection. */
    private readonly release: () => Promise<void>,
    /** Told of a write that failed, before the failure is thrown: the log shares the connection. */
    private readonly onWriteFailure: (error: unknown) => void = () => undefined,
  ) {}

  /**
   * The pack on the audit log's own connection (the server's): a put joins the log's open transaction, or
   * commits on its own without an fsync. Either way the blob is durable once the log's next commit is,
   * which every event recorded after the put waits for; and a commit never survives a crash without the
   * ones before it, since each WAL frame's checksum covers the frames before it. So an event naming the
   * blob is never durable without it. A write that fails may take the log's open transaction with it
   * (SQLite rolls one back on a full disk or an I/O error): `onWriteFailure` lets the log find out.
   */
  static onLogConnection(db: Database.Database, onWriteFailure: (error: unknown) => void): SmallBlobPack {
    return new SmallBlobPack(db, statementsOf(db), NOTHING, NOTHING, onWriteFailure);
  }

  /**
   * A connection of its own to a data folder's audit database, for a store that writes with no server
   * running (a backup's copy): each put is durable before it resolves. Undefined when there is no
   * database or it has no pack.
   */
  static openForWriting(file: string): SmallBlobPack | undefined {
    if (!existsSync(file)) return undefined;
    return guardSync(() => {
      const db = new Database(file, { fileMustExist: true });
      try {
        const statements = statementsOf(db);
        if (!statements) {
          db.close();
          return undefined;
        }
        const durability = new WalDurability(db);
        const close = async () => {
          await durability.close();
          db.close();
        };
        return new SmallBlobPack(db, statements, () => durability.sync(), close);
      } catch (error) {
        db.close();
        throw error;
      }
    });
  }

  /** The pack of a store that only reads (a server may be writing it meanwhile). */
  static openForReading(file: string): SmallBlobPack {
    return guardSync(() => {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      const close = async () => {
        db.close();
      };
      try {
        return new SmallBlobPack(db, statementsOf(db), NOTHING, close);
      } catch (error) {
        db.close();
        throw error;
      }
    });
  }

  get(sha256: string): Buffer | undefined {
    return guardSync(() => this.statements?.select.get(sha256));
  }

  has(sha256: string): boolean {
    return guardSync(() => this.statements?.exists.get(sha256) !== undefined);
  }

  /** Stores the bytes under their SHA-256; bytes already there that differ (damaged) are replaced. */
  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    this.write(() => this.writable().insert.run(sha256, bytes));
    await guard(this.afterPut);
  }

  delete(sha256: string): void {
    this.write(() => this.statements?.remove.run(sha256));
  }

  *list(): Iterable<string> {
    if (!this.statements) return;
    let after = '';
    for (;;) {
      const names = guardSync(() => this.statements!.page.all(after, LIST_PAGE));
      yield* names;
      if (names.length < LIST_PAGE) return;
      after = names[names.length - 1];
    }
  }

  close(): Promise<void> {
    return this.release();
  }

  private write(statement: () => void): void {
    try {
      statement();
    } catch (error) {
      this.onWriteFailure(error);
      throw asStoreError(error);
    }
  }

  private writable(): Statements {
    if (!this.statements || this.db.readonly) throw new Error('the small-blob pack is open for reading only');
    return this.statements;
  }
}

function statementsOf(db: Database.Database): Statements | undefined {
  const present = db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'small_blobs'")
    .pluck()
    .get();
  if (present === undefined) return undefined;
  return {
    select: db
      .prepare<[string], Buffer | undefined>('SELECT bytes FROM small_blobs WHERE sha256 = ?')
      .pluck(),
    exists: db.prepare<[string], number | undefined>('SELECT 1 FROM small_blobs WHERE sha256 = ?').pluck(),
    page: db
      .prepare<[string, number], string>(
        'SELECT sha256 FROM small_blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ?',
      )
      .pluck(),
    insert: db.prepare(
      `INSERT INTO small_blobs (sha256, bytes) VALUES (?, ?)
       ON CONFLICT (sha256) DO UPDATE SET bytes = excluded.bytes WHERE bytes IS NOT excluded.bytes`,
    ),
    remove: db.prepare('DELETE FROM small_blobs WHERE sha256 = ?'),
  };
}
