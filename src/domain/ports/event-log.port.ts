import { FerryEvent } from '../events';

/** The append-only audit log: the single source of truth from which the catalogue is folded. */
export interface EventLog {
  /** Appends events whose seqs continue the log without a gap, all or none, durably. */
  append(events: readonly FerryEvent[]): Promise<void>;
  /** Events with seq greater than `afterSeq`, in order. */
  read(afterSeq?: number): AsyncIterable<FerryEvent>;
  lastSeq(): Promise<number>;
  close(): Promise<void>;
}
