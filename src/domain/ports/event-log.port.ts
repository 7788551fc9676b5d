import { FerryEvent } from '../events';
import { CatalogueStore } from './catalogue-store.port';

/**
 * The append-only audit log, the single source of truth, with the catalogue folded from it in the same
 * transactions. Events are staged one by one, each folded into the catalogue at once (reads see it), and
 * committed in batches: the group commit that makes pipelined requests cheap.
 */
export interface EventLog {
  /** The projection of this log; its reads include staged events. */
  readonly catalogue: CatalogueStore;
  /**
   * Appends an event that continues the log without a gap, and folds it into the catalogue. It is durable
   * once the next `commit` resolves. If it throws, the whole batch is lost, as after a failed commit:
   * nothing staged since the last commit is in the log or the catalogue.
   */
  stage(event: FerryEvent): void;
  /** Makes every staged event durable, all or none; after a failure none of them is in the log or the catalogue. */
  commit(): Promise<void>;
  /** Stages the events and commits them: all or none. */
  append(events: readonly FerryEvent[]): Promise<void>;
  /** Events with seq greater than `afterSeq`, in order. */
  read(afterSeq?: number): AsyncIterable<FerryEvent>;
  lastSeq(): Promise<number>;
  /** The time of the last event, or undefined for an empty log. */
  lastTime(): Promise<string | undefined>;
  /** The seq of the last event recorded at or before `time` (0 if none): event times never decrease. */
  seqAt(time: string): Promise<number>;
  /**
   * Folds into the catalogue the events it does not reflect yet (an older data folder, or a projection
   * emptied on purpose), in bounded batches, reporting progress; resolves with how many were folded.
   */
  catchUp(progress: (folded: number, behind: number) => void): Promise<number>;
  /** The log's name, from its LogNamed event; undefined until it has one. */
  origin(): string | undefined;
  /** The id of the key its next checkpoint is signed with; undefined for a log that signs none. */
  signingKeyId(): string | undefined;
  close(): Promise<void>;
}

/**
 * The log could not be written (`stage` or `commit` failed): `full` when its disk, or a quota, has no room
 * left; `failed` for anything else (an I/O error, a lock another process holds). Nothing of the batch is in
 * the log. The message is the adapter's own, for the operator's log only.
 */
export class EventLogError extends Error {
  constructor(
    readonly kind: 'full' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'EventLogError';
  }
}
