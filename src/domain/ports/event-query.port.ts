import { EventType, FerryEvent } from '../events';

/** One end of a range of events: a position in the log, or a moment. */
export type EventBound = { readonly seq: number } | { readonly at: Date };

/** Which events to read. Every field that is set must match (AND); an empty filter matches everything. */
export interface EventFilter {
  /** Inclusive: events at or after this seq or moment. */
  readonly since?: EventBound;
  /** Exclusive: events before this seq or moment, so consecutive ranges never overlap. */
  readonly until?: EventBound;
  /** Any of these types; absent or empty means every type. */
  readonly types?: readonly EventType[];
  readonly actor?: string;
  /** Sessions whose id starts with this, so the short form a listing shows is enough. */
  readonly sessionPrefix?: string;
  /** Events whose payload names exactly this file (a rename: as `from` or as `to`). */
  readonly name?: string;
}

/** A window of the log by position: afterSeq < seq <= throughSeq. */
export interface SeqWindow {
  readonly afterSeq: number;
  /** Absent means up to the end of the log. */
  readonly throughSeq?: number;
}

/**
 * The read side of the audit log, for people and tools that inspect it while a server may be writing.
 * It never writes. Implementations translate their own failures into `EventQueryError`s.
 */
export interface EventQuery {
  /** The highest seq in the log, 0 when it is empty. */
  lastSeq(): number;
  /** Up to `limit` matching events inside the window, oldest first. */
  find(filter: EventFilter, window: SeqWindow, limit: number): FerryEvent[];
  /** The newest `limit` matching events inside the window, oldest first. */
  latest(filter: EventFilter, window: SeqWindow, limit: number): FerryEvent[];
  close(): void;
}

export type EventQueryErrorKind = 'not-found' | 'unreadable';

export class EventQueryError extends Error {
  constructor(
    readonly kind: EventQueryErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'EventQueryError';
  }
}
