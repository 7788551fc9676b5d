import { Catalogue } from '../domain/catalogue';
import { FerryEvent } from '../domain/events';
import { EventLog } from '../domain/ports/event-log.port';

/**
 * An event log held in memory, for tests and demos, with the in-memory catalogue as its projection. It
 * keeps the same ordering rule as SQLite; a failed commit is not simulated, so nothing is ever rolled back.
 */
export class MemoryEventLog implements EventLog {
  readonly catalogue = new Catalogue();
  private readonly events: FerryEvent[] = [];
  private staged: FerryEvent[] = [];
  private name: string | undefined;

  origin(): string | undefined {
    return this.name;
  }

  /** A log in memory signs no checkpoints. */
  signingKeyId(): string | undefined {
    return undefined;
  }

  /** A refused event loses its batch, as the port says; the catalogue, which cannot roll back, keeps it. */
  stage(event: FerryEvent): void {
    const expected = this.events.length + this.staged.length + 1;
    const copy = structuredClone(event);
    try {
      if (event.seq !== expected) throw new Error(`event seq ${event.seq} does not follow ${expected - 1}`);
      this.catalogue.apply(copy);
    } catch (error) {
      this.staged = [];
      throw error;
    }
    this.staged.push(copy);
    if (copy.type === 'LogNamed') this.name ??= copy.payload.origin;
  }

  async commit(): Promise<void> {
    this.events.push(...this.staged);
    this.staged = [];
  }

  /** All or none: the batch is checked whole before any of it is staged. */
  async append(events: readonly FerryEvent[]): Promise<void> {
    const next = this.events.length + this.staged.length + 1;
    events.forEach((event, i) => {
      if (event.seq !== next + i) throw new Error(`event seq ${event.seq} does not follow ${next + i - 1}`);
    });
    for (const event of events) this.stage(event);
    await this.commit();
  }

  async *read(afterSeq = 0): AsyncIterable<FerryEvent> {
    for (let i = afterSeq; i < this.events.length; i++) yield this.events[i];
  }

  async lastSeq(): Promise<number> {
    return this.events.length + this.staged.length;
  }

  async lastTime(): Promise<string | undefined> {
    return (this.staged.at(-1) ?? this.events.at(-1))?.at;
  }

  async seqAt(time: string): Promise<number> {
    const all = [...this.events, ...this.staged];
    const after = all.findIndex((event) => event.at > time);
    return after === -1 ? all.length : after;
  }

  async catchUp(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}
}
