import { inject, injectable } from 'inversify';
import { DomainError } from '../domain/errors';
import { EventOf, EventOrigin, EventType, NewEventOf } from '../domain/events';
import { CatalogueStore } from '../domain/ports/catalogue-store.port';
import { Clock } from '../domain/ports/clock.port';
import { EventLog } from '../domain/ports/event-log.port';
import { IdGenerator } from '../domain/ports/id-generator.port';
import { Logger } from '../domain/ports/logger.port';
import { TOKENS } from './tokens';

/** While the catalogue catches up at start, progress is logged at most this often. */
const CATCH_UP_REPORT_MS = 5000;

interface DurabilityWaiter {
  /** Every event up to this seq must be durable. */
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The one writer of the audit log. `record` positions an event and stages it, which folds it into the
 * catalogue at once, so the next decision already sees it; the staged events are committed together with
 * whatever else is recorded in the same turn of the event loop (group commit). `drain` says when
 * everything recorded so far is durable: a transport replies only after that, so no reply announces
 * something the log could lose, while the next request (of this session or another) is already being
 * decided and joins the same batch.
 */
@injectable()
export class Ledger {
  private nextSeq = 1;
  /** The time of the last event recorded: no event is stamped earlier, so times never decrease. */
  private lastAt = '';
  private staged = 0;
  private durableSeq = 0;
  private waiters: DurabilityWaiter[] = [];
  private flushScheduled = false;
  private lastFlush: Promise<void> = Promise.resolve();
  private failure: unknown;
  private announceFailure: (error: unknown) => void = () => undefined;
  /**
   * Resolves, with the error, once the log could not be written: from then on nothing is recorded, so
   * nothing may be served, and the server must stop (see docs/DURABILITY.md).
   */
  readonly failed = new Promise<unknown>((resolve) => {
    this.announceFailure = resolve;
  });

  constructor(
    @inject(TOKENS.EventLog) private readonly log: EventLog,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.IdGenerator) private readonly ids: IdGenerator,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /** The catalogue as of every event recorded so far. */
  get catalogue(): CatalogueStore {
    return this.log.catalogue;
  }

  /**
   * Positions the ledger at the end of the log; called once before serving. A catalogue behind its log
   * (a data folder from an older version, or a projection emptied on purpose) catches up first.
   */
  async load(): Promise<void> {
    let reported = 0;
    const folded = await this.log.catchUp((done, behind) => {
      const now = this.clock.now().getTime();
      if (now - reported < CATCH_UP_REPORT_MS) return;
      reported = now;
      this.logger.info('catalogue catching up with the audit log', { folded: done, of: behind });
    });
    if (folded > 0) this.logger.info('catalogue caught up with the audit log', { folded });
    this.durableSeq = await this.log.lastSeq();
    this.nextSeq = this.durableSeq + 1;
    this.lastAt = (await this.log.lastTime()) ?? '';
  }

  /** Stages the event, which the catalogue reflects at once; it is durable once `drain()` resolves. */
  record<T extends EventType>(draft: NewEventOf<T>): EventOf<T> {
    if (this.failure !== undefined) throw this.failure;
    const now = this.clock.now().toISOString();
    const at = now > this.lastAt ? now : this.lastAt;
    const event = { ...draft, seq: this.nextSeq, id: this.ids.next(), at } as unknown as EventOf<T>;
    try {
      this.log.stage(event);
    } catch (error) {
      // The batch this joined is lost with it, and decisions may have been acted on: stop, as for a commit.
      this.fail(error);
      throw error;
    }
    this.nextSeq++;
    this.lastAt = at;
    this.staged++;
    this.scheduleFlush();
    return event;
  }

  reject(
    origin: EventOrigin,
    command: string,
    error: DomainError,
    name?: string,
    upload?: string,
  ): EventOf<'CommandRejected'> {
    const payload = {
      command,
      code: error.code,
      message: error.message,
      ...(name === undefined ? {} : { name }),
      ...(upload === undefined ? {} : { upload }),
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

  /** Decisions were taken on the lost events and may have been acted on: serving on would build on sand. */
  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.announceFailure(error);
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
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
    if (this.staged === 0 || this.failure !== undefined) return;
    this.staged = 0;
    const committing = this.nextSeq - 1;
    try {
      await this.log.commit();
    } catch (error) {
      this.fail(error);
      return;
    }
    this.durableSeq = committing;
    const stillWaiting: DurabilityWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.seq <= this.durableSeq) waiter.resolve();
      else stillWaiting.push(waiter);
    }
    this.waiters = stillWaiting;
  }
}
