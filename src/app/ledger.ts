import { inject, injectable } from 'inversify';
import { Catalogue } from '../domain/catalogue';
import { DomainError } from '../domain/errors';
import { EventOf, EventOrigin, EventType, FerryEvent, NewEventOf } from '../domain/events';
import { Clock } from '../domain/ports/clock.port';
import { EventLog } from '../domain/ports/event-log.port';
import { IdGenerator } from '../domain/ports/id-generator.port';
import { TOKENS } from './tokens';

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
  readonly catalogue = new Catalogue();
  private nextSeq = 1;
  private batch: PendingAppend[] = [];
  private flushScheduled = false;
  private lastFlush: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    @inject(TOKENS.EventLog) private readonly log: EventLog,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.IdGenerator) private readonly ids: IdGenerator,
  ) {}

  /** Folds the whole log into the catalogue; called once before serving. */
  async load(): Promise<void> {
    for await (const event of this.log.read(this.catalogue.position)) this.catalogue.apply(event);
    this.nextSeq = this.catalogue.position + 1;
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
      for (const pending of batch) pending.resolve(pending.event);
    } catch (error) {
      // The catalogue already holds these events; serving on would let it drift from the log.
      this.failure = error;
      for (const pending of batch) pending.reject(error);
    }
  }
}
