/** A witness's cosignature of one checkpoint, as the witness sent it. */
export interface StoredCosignature {
  readonly size: number;
  readonly witness: string;
  /** The note signature line, newline included. */
  readonly line: string;
}

/** Where the log keeps the cosignatures its witnesses return, beside its checkpoints. */
export interface CosignatureStore {
  /** Keeps (or replaces) `witness`'s cosignature of the checkpoint of `size`. */
  add(cosignature: StoredCosignature, at: string): void;
  /** The largest checkpoint size `witness` has cosigned, as far as this log kept; 0 if none. */
  latestSizeOf(witness: string): number;
}
