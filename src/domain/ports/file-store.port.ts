/** What a finished write produced: the content's address and length. */
export interface BlobDigest {
  readonly sha256: string;
  readonly size: number;
}

/**
 * A blob being written. Bytes are hashed as they stream in; nothing is readable until `commit()`, and
 * `abort()` (or a crash) leaves nothing visible behind.
 */
export interface BlobWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Flushes every byte to durable storage and returns the digest; the blob is still invisible. */
  seal(): Promise<BlobDigest>;
  /** Makes the sealed blob readable under its SHA-256, atomically. Storing known content is a no-op. */
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface ByteRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

export interface FileStoreCapabilities {
  /** Reads can start at an offset (for resumed downloads). */
  readonly rangedReads: boolean;
}

/**
 * Content-addressed storage for file bytes, keyed by SHA-256 in lowercase hex. Implementations translate
 * their own failures into `StoreError`s so nothing above this port sees a library's error.
 */
export interface FileStore {
  readonly capabilities: FileStoreCapabilities;
  /** Removes temporaries left by a crash; called once at start. */
  open(): Promise<void>;
  begin(): Promise<BlobWriter>;
  read(sha256: string, range?: ByteRange): AsyncIterable<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
  /** Every committed blob, for garbage collection and verification. */
  list(): AsyncIterable<string>;
}

export type StoreErrorKind = 'not-found' | 'io';

export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
