import { createHash } from 'node:crypto';
import { EventOrigin, EventPayloads, EventType, FerryEvent } from '../../src/domain/events';

/** Hand-built log events for domain and log tests: seqs count up from 1 unless given. */
export interface EventFactory {
  make<T extends EventType>(type: T, payload: EventPayloads[T], overrides?: Partial<EventOrigin>): FerryEvent;
  uploaded(name: string, version: number, sha256?: string, size?: number): FerryEvent;
  deleted(name: string, version: number): FerryEvent;
  /** The seq the next event will get. */
  readonly nextSeq: number;
}

export const ORIGIN: EventOrigin = { actor: 'alice', session: 'sess-1', remote: '127.0.0.1:5000' };

/** A stable, distinct, well-formed SHA-256 per label. */
export function shaOf(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

/** `projection` (Accounts, Catalogue, ...) with `events` applied in order, as a replay of the log builds it. */
export function foldInto<P extends { apply(event: FerryEvent): void }>(
  projection: P,
  events: readonly FerryEvent[],
): P {
  for (const event of events) projection.apply(event);
  return projection;
}

export function eventFactory(firstSeq = 1): EventFactory {
  let seq = firstSeq;
  const make = <T extends EventType>(
    type: T,
    payload: EventPayloads[T],
    overrides: Partial<EventOrigin> = {},
  ): FerryEvent => {
    const current = seq++;
    return {
      seq: current,
      id: `evt-${current}`,
      type,
      at: new Date(Date.UTC(2024, 0, 1, 0, 0, current)).toISOString(),
      payload,
      ...ORIGIN,
      ...overrides,
    } as FerryEvent;
  };
  return {
    make,
    uploaded: (name, version, sha256 = shaOf(`${name}#${version}`), size = 10 * version) =>
      make('FileUploaded', { name, version, sha256, size }),
    deleted: (name, version) => make('FileDeleted', { name, version }),
    get nextSeq() {
      return seq;
    },
  };
}
