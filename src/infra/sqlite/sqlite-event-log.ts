import Database from 'better-sqlite3';
import { canonicalJson, JsonValue } from '../../domain/audit/canonical-json';
import { isCheckpointPolicy } from '../../domain/audit/checkpoint-policy';
import { FerryEvent } from '../../domain/events';
import { EventLog } from '../../domain/ports/event-log.port';
import { CheckpointTable } from './checkpoint-table';
import { Checkpointer, CheckpointSettings } from './checkpointer';
import { migrate } from './migrations';
import { SqliteMerkleTree } from './sqlite-merkle-tree';

const READ_PAGE_SIZE = 5000;

export interface SqliteEventLogOptions {
  readonly file: string;
  /** Timestamps of applied migrations and of checkpoints. */
  readonly now: () => string;
  /** Signs checkpoints of the Merkle tree; without it the tree is kept but nothing is signed. */
  readonly checkpoints?: CheckpointSettings;
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
  /** Every event is a leaf, appended in the same transaction as its row. */
  private readonly tree: SqliteMerkleTree;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly signTail: () => void;
  private readonly checkpointTimer: NodeJS.Timeout | undefined;

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
        const record = canonicalJson(event as unknown as JsonValue);
        this.insert.run(event.seq, record);
        this.tree.append(record);
        expected++;
      }
      if (this.checkpointer?.dueByCount(this.tree)) this.checkpointer.write(this.tree);
    });
    try {
      this.tree = new SqliteMerkleTree(this.db);
      this.tree.catchUp(this.last.get() ?? 0);
      this.checkpointer = options.checkpoints && this.openCheckpointer(options.checkpoints, options.now);
    } catch (error) {
      // A log that refuses to open must not keep its file open either.
      this.db.close();
      throw error;
    }
    this.signTail = this.db.transaction(() => {
      if (this.checkpointer?.isBehind(this.tree)) this.checkpointer.write(this.tree);
    });
    this.checkpointTimer = options.checkpoints && this.startCheckpointTimer(options.checkpoints);
  }

  async append(events: readonly FerryEvent[]): Promise<void> {
    try {
      this.appendAll(events);
    } catch (error) {
      this.forgetRolledBack();
      throw error;
    }
  }

  private openCheckpointer(settings: CheckpointSettings, now: () => string): Checkpointer {
    if (!isCheckpointPolicy(settings.policy)) {
      throw new RangeError('checkpoints need a whole number of events and a number of seconds above 0');
    }
    const checkpointer = new Checkpointer(new CheckpointTable(this.db), settings, now);
    if (checkpointer.latestSize > this.tree.size) {
      throw new Error(
        `audit log damaged: a checkpoint covers ${checkpointer.latestSize} events, the log has ${this.tree.size}`,
      );
    }
    return checkpointer;
  }

  /** A timer as well as a count, so that the tail of a quiet log gets signed too. */
  private startCheckpointTimer(settings: CheckpointSettings): NodeJS.Timeout {
    const onError = settings.onError ?? (() => undefined);
    const timer = setInterval(() => {
      try {
        this.signTail();
      } catch (error) {
        this.forgetRolledBack();
        onError(error);
      }
    }, settings.policy.everySeconds * 1000);
    return timer.unref();
  }

  private forgetRolledBack(): void {
    this.tree.reload();
    this.checkpointer?.reload();
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

  /** Signs whatever was appended since the last checkpoint, then closes. */
  async close(): Promise<void> {
    clearInterval(this.checkpointTimer);
    if (!this.db.open) return;
    try {
      this.signTail();
    } catch (error) {
      this.forgetRolledBack();
      throw error;
    } finally {
      this.db.close();
    }
  }
}
