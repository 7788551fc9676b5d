import { SignedCheckpoint } from '../audit/checkpoint';
import { StoredCosignature } from './cosignature-store.port';

/** One row of the events table as stored: `record` is exactly the text that was hashed into the tree. */
export interface StoredEventRecord {
  readonly seq: number;
  readonly record: string;
}

/**
 * A read-only view of an audit log, its Merkle nodes and its checkpoints, for verifiers and provers. It
 * reports what is stored and judges nothing: deciding whether that is sound is the caller's job.
 */
export interface AuditLogReader {
  /** Runs `work` against one consistent snapshot, unaffected by a server appending meanwhile. */
  snapshot<T>(work: () => T): T;
  /** Every stored event in seq order, read in pages. */
  records(): Iterable<StoredEventRecord>;
  record(seq: number): StoredEventRecord | undefined;
  storedNode(level: number, index: number): Uint8Array | undefined;
  /** One past the highest stored leaf index: the tree size the stored leaves claim. */
  storedLeafCount(): number;
  /** Every checkpoint, smallest tree size first, read in pages. */
  checkpoints(): Iterable<SignedCheckpoint>;
  latestCheckpoint(): SignedCheckpoint | undefined;
  checkpointOfSize(size: number): SignedCheckpoint | undefined;
  /** Witnesses' cosignatures of the checkpoint of `size`, as stored. */
  cosignaturesOf(size: number): StoredCosignature[];
  /** Every stored cosignature, the largest tree size first, read in pages. */
  cosignatures(): Iterable<StoredCosignature>;
  /** The stored records of SigningKeyRotated events, in seq order (few: one per key change). */
  keyRotations(): StoredEventRecord[];
  close(): void;
}
