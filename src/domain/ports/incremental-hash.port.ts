/** A hash fed chunk by chunk, so that a blob of any size is checked without holding it in memory. */
export interface IncrementalHash {
  update(chunk: Uint8Array): void;
  digest(): Uint8Array;
}

export type IncrementalHashFactory = () => IncrementalHash;
