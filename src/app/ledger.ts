import { inject, injectable } from 'inversify';
import { Catalogue } from '../domain/catalogue';
import { DomainError } from '../domain/errors';
import { EventOf, EventOrigin, EventType, FerryEvent, NewEventOf } from '../domain/events';
import { Clock } from '../domain/ports/clock.port';
import { EventLog } from '../domain/ports/event-log.port';
import { IdGenerator } from '../domain/ports/id-generator.port';
import { SnapshotStore } from '../domain/ports/snapshot-store.port';
import { restoreCatalogue } from './restore-catalogue';
import { TOKENS } from './tokens';

export interface LedgerOptions {
  /** Save a catalogue snapshot whenever this many events were appended since the last one. */
  readonly snapshotEvery: number;
}

interface PendingAppend {
  readonly event: FerryEvent;
  readonly resolve: (event: FerryEvent) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The one writer of the audit log. An event is positioned and applied to the catalogue at once, so the
 * next decision already sees it; its append is batched with whatever else arrives in the same turn of the
 * event loop (group commit), and the returned promise settles once the batch is durable. Callers reply
 * only after that, so no reply ever announces something the log could lose.
 */
@injectable()
export class Ledger {
  private current = new Catalogue();
  private nextSeq = 1;
  private lastSnapshot = 0;
  private lastAppendedAt = '';
  private batch: PendingAppend[] = [];
  private flushScheduled = false;
  private lastFlush: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    @inject(TOKENS.EventLog) private readonly log: EventLog,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.IdGenerator) private readonly ids: IdGenerator,
    @inject(TOKENS.SnapshotStore) private readonly snapshots: SnapshotStore,
    @inject(TOKENS.LedgerOptions) private readonly options: LedgerOptions,
  ) {}

  /** The catalogue as of every event recorded so far. */
  get catalogue(): Catalogue {
    return this.current;
  }

  /** Folds the log into the catalogue, starting from the newest usable snapshot; called once before serving. */
  async load(): Promise<void> {
    this.current = await restoreCatalogue(this.log, this.snapshots, {});
    this.nextSeq = this.current.position + 1;
    this.lastSnapshot = this.current.position;
  }

  /** Saves a snapshot if anything happened since the last one; at shutdown, so the next start is quick. */
  async snapshot(): Promise<void> {
    await this.drain();
    if (this.current.position > this.lastSnapshot) await this.saveSnapshot();
  }

  record<T extends EventType>(draft: NewEventOf<T>): Promise<EventOf<T>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const at = this.clock.now().toISOString();
    const event = { ...draft, seq: this.nextSeq++, id: this.ids.next(), at } as unknown as EventOf<T>;
    this.catalogue.apply(event);
    return new Promise((resolve, reject) => {
      this.batch.push({ event, resolve: resolve as (event: FerryEvent) => void, reject });
      this.scheduleFlush();
    });
  }

  reject(
    origin: EventOrigin,
    command: string,
    error: DomainError,
    name?: string,
  ): Promise<EventOf<'CommandRejected'>> {
    const payload = {
      command,
      code: error.code,
      message: error.message,
      ...(name === undefined ? {} : { name }),
    };
    return this.record<'CommandRejected'>({ ...origin, type: 'CommandRejected', payload });
  }

  /** Resolves once everything recorded so far is durable. */
  async drain(): Promise<void> {
    while (this.batch.length > 0 || this.flushScheduled) {
      await new Promise(setImmediate);
      await this.lastFlush;
    }
    await this.lastFlush;
  }

  private async saveSnapshot(): Promise<void> {
    this.lastSnapshot = this.current.position;
    await this.snapshots.save(this.current.toSnapshot(), this.lastAppendedAt);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.lastFlush = this.lastFlush.then(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    try {
      await this.log.append(batch.map((pending) => pending.event));
      this.lastAppendedAt = batch[batch.length - 1].event.at;
      for (const pending of batch) pending.resolve(pending.event);
      // Only when nothing newer is waiting does the catalogue match the durable log exactly.
      const due = this.current.position - this.lastSnapshot >= this.options.snapshotEvery;
      if (due && this.batch.length === 0) await this.saveSnapshot();
    } catch (error) {
      // The catalogue already holds these events; serving on would let it drift from the log.
      this.failure = error;
      for (const pending of batch) pending.reject(error);
    }
  }
}
