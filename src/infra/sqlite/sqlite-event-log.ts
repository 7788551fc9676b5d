import Database from 'better-sqlite3';
import { SmallBlobPack } from '../storage/small-blob-pack';
import { isNoRoom } from '../storage/store-errors';
import { WalDurability } from './wal-durability';
import { canonicalJson, JsonValue } from '../../domain/audit/canonical-json';
import { isCheckpointPolicy } from '../../domain/audit/checkpoint-policy';
import { FerryEvent } from '../../domain/events';
import { EventLog, EventLogError } from '../../domain/ports/event-log.port';
import { CheckpointTable } from './checkpoint-table';
import { CosignatureTable } from './cosignature-table';
import { CosignatureStore } from '../../domain/ports/cosignature-store.port';
import { CATALOGUE_TABLES } from './sqlite-catalogue-schema';
import { SqliteCatalogueStore } from './sqlite-catalogue-store';
import { Checkpointer, CheckpointSettings, KeyRotation } from './checkpointer';
import { migrate } from './migrations';
import { SqliteMerkleTree } from './sqlite-merkle-tree';

const READ_PAGE_SIZE = 5000;
/** Events folded per transaction while the catalogue catches up with the log. */
const CATCH_UP_BATCH = 5000;

export interface SqliteEventLogOptions {
  readonly file: string;
  /** Timestamps of applied migrations and of checkpoints. */
  readonly now: () => string;
  /** Signs checkpoints of the Merkle tree; without it the tree is kept but nothing is signed. */
  readonly checkpoints?: CheckpointSettings;
}

/**
 * The audit log in SQLite (WAL), with the catalogue's tables in the same database. Rows are only ever
 * inserted; each holds the canonical bytes of one event. `stage` opens a transaction if none is open and
 * writes the event, its Merkle leaf and its catalogue changes at once; `commit` ends it.
 *
 * A committed batch survives power loss, not just a process kill, at one fsync per batch, made off the
 * event loop (WalDurability): with SQLite's own fsync inside COMMIT, a third of the server's time went
 * there with small files, with nothing else moving. `commit` resolves only once the batch is durable.
 */
export class SqliteEventLog implements EventLog {
  readonly catalogue: SqliteCatalogueStore;
  /** Witnesses' cosignatures of the checkpoints, written on this connection: one writer per database. */
  readonly cosignatures: CosignatureStore;
  /** Small blobs' bytes, written on this connection: durable with the log's next commit (SmallBlobPack). */
  readonly smallBlobs: SmallBlobPack;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[number, string]>;
  private readonly last: Database.Statement<[], number | null>;
  private readonly timeOf: Database.Statement<[number], string | undefined>;
  private readonly page: Database.Statement<[number, number], { seq: number; record: string }>;
  /** The seq the next staged event must have. */
  private nextSeq: number;
  private readonly originOf: Database.Statement<[], string | undefined>;
  /** The log's name, from its LogNamed event (staged ones included). */
  private name: string | undefined;
  /** Every event is a leaf, appended in the same transaction as its row. */
  private readonly tree: SqliteMerkleTree;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly signTail: () => void;
  private readonly checkpointTimer: NodeJS.Timeout | undefined;
  private readonly durability: WalDurability;
  /** Set when staged events were lost to a failed write on this connection: nothing more is written. */
  private broken: EventLogError | undefined;
  /** The last seq committed: what a reader on another connection sees. */
  private committedSeq: number;

  constructor(options: SqliteEventLogOptions) {
    this.db = new Database(options.file);
    this.durability = new WalDurability(this.db);
    migrate(this.db, options.now);
    this.insert = this.db.prepare('INSERT INTO events (seq, record) VALUES (?, ?)');
    this.last = this.db.prepare<[], number | null>('SELECT max(seq) FROM events').pluck();
    this.timeOf = this.db
      .prepare<[number], string | undefined>('SELECT at FROM events WHERE seq = ?')
      .pluck();
    this.page = this.db.prepare('SELECT seq, record FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.nextSeq = (this.last.get() ?? 0) + 1;
    this.committedSeq = this.nextSeq - 1;
    this.originOf = this.db
      .prepare<[], string | undefined>(
        "SELECT json_extract(record, '$.payload.origin') FROM events WHERE type = 'LogNamed' ORDER BY seq LIMIT 1",
      )
      .pluck();
    this.name = this.originOf.get();
    try {
      this.catalogue = new SqliteCatalogueStore(this.db);
      this.cosignatures = new CosignatureTable(this.db);
      this.smallBlobs = SmallBlobPack.onLogConnection(this.db, (error) => this.packWriteFailed(error));
      this.tree = new SqliteMerkleTree(this.db);
      this.tree.catchUp(this.nextSeq - 1);
      this.checkpointer = options.checkpoints && this.openCheckpointer(options.checkpoints, options.now);
      if (this.catalogue.position() > this.nextSeq - 1) {
        throw new Error(
          `audit log damaged: the catalogue reflects ${this.catalogue.position()} events, the log has ${this.nextSeq - 1}`,
        );
      }
      this.signTail = this.db.transaction(() => {
        if (this.checkpointer?.isBehind(this.tree)) this.checkpointer.write(this.tree);
      });
      // Events a crash left after the last checkpoint are signed now, before anything else is appended.
      this.signTail();
    } catch (error) {
      // A log that refuses to open must not keep its file open either.
      this.db.close();
      throw error;
    }
    this.checkpointTimer = options.checkpoints && this.startCheckpointTimer(options.checkpoints);
  }

  /**
   * No savepoint per event: one costs more than the event's own rows (a statement journal of every page
   * it touches). An event that cannot be written in full takes its whole batch with it instead.
   */
  stage(event: FerryEvent): void {
    if (this.broken) throw this.broken;
    try {
      if (event.seq !== this.nextSeq)
        throw new Error(`event seq ${event.seq} does not follow ${this.nextSeq - 1}`);
      if (!this.db.inTransaction) this.db.exec('BEGIN IMMEDIATE');
      const record = canonicalJson(event as unknown as JsonValue);
      this.insert.run(event.seq, record);
      this.tree.append(record);
      this.catalogue.foldWithin(event);
      if (event.type === 'LogNamed') this.name ??= event.payload.origin;
      // A key change is proven by the key it replaces: a checkpoint of exactly its size, in its transaction.
      if (event.type === 'SigningKeyRotated') {
        this.checkpointer?.write(this.tree);
        this.checkpointer?.rotateTo(event.payload.keyId);
      }
    } catch (error) {
      this.rollBack();
      throw asLogError(error);
    }
    this.nextSeq++;
  }

  async commit(): Promise<void> {
    if (this.broken) throw this.broken;
    if (!this.db.inTransaction) return;
    try {
      if (this.checkpointer?.dueByCount(this.tree)) this.checkpointer.write(this.tree);
      this.db.exec('COMMIT');
      this.committedSeq = this.nextSeq - 1;
    } catch (error) {
      this.rollBack();
      throw asLogError(error);
    }
    // Events may be staged meanwhile, in a transaction of their own: the next commit syncs those.
    try {
      await this.durability.sync();
    } catch (error) {
      throw asLogError(error);
    }
  }

  async append(events: readonly FerryEvent[]): Promise<void> {
    for (const event of events) this.stage(event);
    await this.commit();
  }

  async lastTime(): Promise<string | undefined> {
    return this.timeOf.get(this.nextSeq - 1);
  }

  /** A binary search over seq: times never decrease along the log, and there is no index on them. */
  async seqAt(time: string): Promise<number> {
    let low = 0;
    let high = this.nextSeq - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (this.timeOf.get(middle)! <= time) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  async catchUp(progress: (folded: number, behind: number) => void): Promise<number> {
    const behind = this.nextSeq - 1 - this.catalogue.position();
    let folded = 0;
    const foldBatch = this.db.transaction((events: FerryEvent[]) => this.catalogue.fold(events));
    while (folded < behind) {
      const rows = this.page.all(this.catalogue.position(), CATCH_UP_BATCH);
      if (rows.length === 0) break;
      foldBatch(rows.map((row) => JSON.parse(row.record) as FerryEvent));
      folded += rows.length;
      progress(folded, behind);
      // Lets timers and signals through between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return folded;
  }

  /** Empties the catalogue's tables, so that the next `catchUp` folds the whole log again. */
  dropCatalogue(): void {
    this.db.transaction(() => {
      for (const table of CATALOGUE_TABLES) this.db.prepare(`DELETE FROM ${table}`).run();
      this.db.prepare('UPDATE catalogue_position SET seq = 0').run();
    })();
    this.catalogue.reload();
  }

  origin(): string | undefined {
    return this.name;
  }

  signingKeyId(): string | undefined {
    return this.checkpointer?.signingKeyId;
  }

  /**
   * A write of the small blobs' pack failed on this connection, and SQLite may have rolled the open
   * transaction back with it. Events staged in it are rolled back here for certain; since the ledger took
   * decisions on them, the log then refuses to go on (as when staging fails), rather than commit without
   * them and let their replies go out.
   */
  private packWriteFailed(error: unknown): void {
    try {
      const staged = this.nextSeq - 1 > this.committedSeq;
      this.rollBack();
      if (!staged) return;
    } catch {
      // A connection that cannot even say what it holds cannot vouch for its open batch either.
    }
    this.broken = asLogError(error);
  }

  private rollBack(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.nextSeq = (this.last.get() ?? 0) + 1;
    this.name = this.originOf.get();
    this.forgetRolledBack();
  }

  private openCheckpointer(settings: CheckpointSettings, now: () => string): Checkpointer {
    if (!isCheckpointPolicy(settings.policy)) {
      throw new RangeError('checkpoints need a whole number of events and a number of seconds above 0');
    }
    const rotation = this.db.prepare<[], KeyRotation | undefined>(
      "SELECT seq, json_extract(record, '$.payload.keyId') AS keyId FROM events WHERE type = 'SigningKeyRotated' ORDER BY seq DESC LIMIT 1",
    );
    const table = new CheckpointTable(this.db);
    const checkpointer = new Checkpointer(
      table,
      settings,
      now,
      () => this.name,
      () => rotation.get(),
    );
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
        onError(error);
        // A timer callback that throws would end the process: what cannot be reloaded is only reported.
        try {
          this.forgetRolledBack();
        } catch (reloadError) {
          onError(reloadError);
        }
      }
    }, settings.policy.everySeconds * 1000);
    return timer.unref();
  }

  /** Each part reloads even if another cannot: a catalogue left with rolled-back rows would be worse. */
  private forgetRolledBack(): void {
    try {
      this.tree.reload();
      this.checkpointer?.reload();
    } finally {
      this.catalogue.reload();
    }
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

  /** Signs whatever was appended since the last checkpoint, then closes; a batch never committed is dropped. */
  async close(): Promise<void> {
    clearInterval(this.checkpointTimer);
    if (!this.db.open) return;
    try {
      this.rollBack();
      this.signTail();
    } catch (error) {
      this.forgetRolledBack();
      throw error;
    } finally {
      await this.durability.close();
      this.db.close();
    }
  }
}

function asLogError(error: unknown): EventLogError {
  if (error instanceof EventLogError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new EventLogError(isNoRoom(error) ? 'full' : 'failed', message);
}
