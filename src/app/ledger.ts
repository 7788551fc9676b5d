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

interface DurabilityWaiter {
  /** Every event up to this seq must be durable. */
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The one writer of the audit log. `record` positions an event and applies it to the catalogue at once,
 * so the next decision already sees it; appends are batched with whatever else is recorded in the same
 * turn of the event loop (group commit). `drain` says when everything recorded so far is durable: a
 * transport replies only after that, so no reply announces something the log could lose, while the next
 * request (of this session or another) is already being decided and joins the same batch.
 */
@injectable()
export class Ledger {
  private current = new Catalogue();
  private nextSeq = 1;
  private lastSnapshot = 0;
  private lastAppendedAt = '';
  private batch: FerryEvent[] = [];
  private durableSeq = 0;
  private waiters: DurabilityWaiter[] = [];
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
    this.durableSeq = this.current.position;
    this.lastSnapshot = this.current.position;
  }

  /** Saves a snapshot if anything happened since the last one; at shutdown, so the next start is quick. */
  async snapshot(): Promise<void> {
    await this.drain();
    if (this.current.position > this.lastSnapshot) await this.saveSnapshot();
  }

  /** Applies the event now and queues its append; it is durable once `drain()` resolves. */
  record<T extends EventType>(draft: NewEventOf<T>): EventOf<T> {
    if (this.failure !== undefined) throw this.failure;
    const at = this.clock.now().toISOString();
    const event = { ...draft, seq: this.nextSeq++, id: this.ids.next(), at } as unknown as EventOf<T>;
    this.catalogue.apply(event);
    this.batch.push(event);
    this.scheduleFlush();
    return event;
  }

  reject(
    origin: EventOrigin,
    command: string,
    error: DomainError,
    name?: string,
  ): EventOf<'CommandRejected'> {
    const payload = {
      command,
      code: error.code,
      message: error.message,
      ...(name === undefined ? {} : { name }),
    };
    return this.record<'CommandRejected'>({ ...origin, type: 'CommandRejected', payload });
  }

  /** Resolves once everything recorded so far is durable; rejects if the log cannot be written. */
  drain(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const seq = this.nextSeq - 1;
    if (seq <= this.durableSeq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
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
      await this.log.append(batch);
    } catch (error) {
      // The catalogue already holds these events; serving on would let it drift from the log.
      this.failure = error;
      for (const waiter of this.waiters.splice(0)) waiter.reject(error);
      return;
    }
    this.durableSeq = batch[batch.length - 1].seq;
    this.lastAppendedAt = batch[batch.length - 1].at;
    const stillWaiting: DurabilityWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.seq <= this.durableSeq) waiter.resolve();
      else stillWaiting.push(waiter);
    }
    this.waiters = stillWaiting;
    // Only when nothing newer is waiting does the catalogue match the durable log exactly.
    const due = this.current.position - this.lastSnapshot >= this.options.snapshotEvery;
    if (due && this.batch.length === 0) await this.saveSnapshot();
  }
}
