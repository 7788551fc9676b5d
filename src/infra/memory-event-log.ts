import { FerryEvent } from '../domain/events';
import { EventLog } from '../domain/ports/event-log.port';

/** An event log held in memory, for tests and demos; it keeps the same ordering rule as SQLite. */
export class MemoryEventLog implements EventLog {
  private readonly events: FerryEvent[] = [];

  async append(events: readonly FerryEvent[]): Promise<void> {
    events.forEach((event, i) => {
      const expected = this.events.length + i + 1;
      if (event.seq !== expected) throw new Error(`event seq ${event.seq} does not follow ${expected - 1}`);
    });
    this.events.push(...structuredClone(events));
  }

  async *read(afterSeq = 0): AsyncIterable<FerryEvent> {
    for (let i = afterSeq; i < this.events.length; i++) yield this.events[i];
  }

  async lastSeq(): Promise<number> {
    return this.events.length;
  }

  async close(): Promise<void> {}
}
