import { CatalogueSnapshot } from '../catalogue';

/**
 * Saved copies of the catalogue, so start-up and time travel replay only the tail of the log. Snapshots
 * are derived data: losing one costs time, never truth.
 */
export interface SnapshotStore {
  /** The newest snapshot that covers no event after `maxSeq` and none recorded after `maxTime`. */
  latest(limits?: { maxSeq?: number; maxTime?: string }): Promise<CatalogueSnapshot | undefined>;
  /** `lastEventAt` is the time of the event at the snapshot's position. */
  save(snapshot: CatalogueSnapshot, lastEventAt: string): Promise<void>;
  close(): Promise<void>;
}
