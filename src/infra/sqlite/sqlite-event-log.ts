import Database from 'better-sqlite3';
import { canonicalJson, JsonValue } from '../../domain/audit/canonical-json';
import { FerryEvent } from '../../domain/events';
import { EventLog } from '../../domain/ports/event-log.port';
import { migrate } from './migrations';

const READ_PAGE_SIZE = 5000;

export interface SqliteEventLogOptions {
  readonly file: string;
  /** Timestamps of applied migrations. */
  readonly now: () => string;
}

/**
 * The audit log in SQLite (WAL). Rows are only ever inserted; each holds the canonical bytes of one event.
 * synchronous=FULL makes an acknowledged append survive power loss, not just a process kill; the caller
 * batches appends so that costs one fsync per batch, not per event.
 */
export class SqliteEventLog implements EventLog {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[number, string]>;
  private readonly last: Database.Statement<[], number | null>;
  private readonly page: Database.Statement<[number, number], { seq: number; record: string }>;
  private readonly appendAll: (events: readonly FerryEvent[]) => void;

  constructor(options: SqliteEventLogOptions) {
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    migrate(this.db, options.now);
    this.insert = this.db.prepare('INSERT INTO events (seq, record) VALUES (?, ?)');
    this.last = this.db.prepare<[], number | null>('SELECT max(seq) FROM events').pluck();
    this.page = this.db.prepare('SELECT seq, record FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.appendAll = this.db.transaction((events: readonly FerryEvent[]) => {
      let expected = (this.last.get() ?? 0) + 1;
      for (const event of events) {
        if (event.seq !== expected) throw new Error(`event seq ${event.seq} does not follow ${expected - 1}`);
        this.insert.run(event.seq, canonicalJson(event as unknown as JsonValue));
        expected++;
      }
    });
  }

  async append(events: readonly FerryEvent[]): Promise<void> {
    this.appendAll(events);
  }

  /** Reads in pages so that appends may interleave with a long read on the same connection. */
  async *read(afterSeq = 0): AsyncIterable<FerryEvent> {
    let cursor = afterSeq;
    for (;;) {
      const rows = this.page.all(cursor, READ_PAGE_SIZE);
      for (const row of rows) yield JSON.parse(row.record) as FerryEvent;
      if (rows.length < READ_PAGE_SIZE) return;
      cursor = rows[rows.length - 1].seq;
    }
  }

  async lastSeq(): Promise<number> {
    return this.last.get() ?? 0;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
