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
  /**
   * Takes the chunk, which the store may keep until it is written: the caller must not change it after.
   * Resolving says the bytes were taken, not that they are on disk (`seal` says that); a failure to write
   * them may surface at a later write or at `seal`.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the blob and returns its digest; the blob is still invisible. */
  seal(): Promise<BlobDigest>;
  /**
   * Makes the sealed blob readable under its SHA-256, atomically, and durable (unless the store was told
   * not to fsync): at once, or, for a blob the store keeps in the audit log's own database, with the log's
   * next commit, which every event recorded after this resolves waits for. Storing known content is a
   * no-op.
   */
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A resumable upload's blob: its bytes are kept under an id until it is published (`commit`), dropped
 * (`abort`, or `FileStore.release`), or, when its client went away, held (`hold`) for a later
 * `FileStore.beginHeld` with the same id to continue.
 */
export interface HeldBlobWriter extends BlobWriter {
  /** Bytes the blob held when this writer opened it: where the upload continues. */
  readonly heldBefore: number;
  /** Makes every byte written so far durable and keeps them under the id; the writer is done. */
  hold(): Promise<number>;
}

export interface ByteRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/**
 * Content-addressed storage for file bytes, keyed by SHA-256 in lowercase hex. Implementations translate
 * their own failures into `StoreError`s so nothing above this port sees a library's error.
 */
export interface FileStore {
  /** Removes temporaries left by a crash; called once at start, before anything is written. */
  open(): Promise<void>;
  /** Releases what the store holds open; called once its writers are done (at shutdown). */
  close(): Promise<void>;
  /**
   * A writer for a new blob. `expectedSize`, when the caller knows it (a declared upload size), lets the
   * store choose at once where to keep the blob; the blob may still turn out another size.
   */
  begin(expectedSize?: number): Promise<BlobWriter>;
  /**
   * A writer for the resumable upload `id` (any text: the store names the bytes as it likes), continuing the first `keep`
   * bytes held under it (0: starting afresh), which the digest covers too. Bytes held beyond `keep` (an
   * attempt cut by a crash, never confirmed held) are dropped; fewer held shows in `heldBefore`. One
   * writer per id at a time.
   */
  beginHeld(id: string, keep: number): Promise<HeldBlobWriter>;
  /** Drops the bytes held under `id`, if any (an upload that expired); `busy` while a writer has them open. */
  release(id: string): Promise<void>;
  /**
   * Drops the bytes held under every id but these: held bytes are kept across restarts (unlike
   * temporaries), so at start those no held upload accounts for (an attempt a crash cut) go.
   */
  releaseHeldExcept(ids: ReadonlySet<string>): Promise<void>;
  /**
   * The blob's bytes, or those of `range` (resumed and random-access downloads start mid-blob). A store
   * that reads into memory of its own takes it from `buffers` when given: the reader gives each chunk
   * back once done with it, and the store may then read into it again.
   */
  read(sha256: string, range?: ByteRange, buffers?: ReadBuffers): AsyncIterable<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
  /** Every committed blob, for garbage collection and verification. */
  list(): AsyncIterable<string>;
}

/**
 * Memory a reader lends a store to read into (ReadBufferRing): a chunk it yields may be a view of a buffer
 * taken here, which the reader gives back once nothing refers to its bytes any more (a socket wrote them).
 */
export interface ReadBuffers {
  /** A buffer of at least `size` bytes: one given back, or a new one. Never waits. */
  take(size: number): Uint8Array;
}

/** `busy`: the held bytes of that id are open in another writer; `full`: no room left (ENOSPC, a disk quota). */
export type StoreErrorKind = 'not-found' | 'io' | 'busy' | 'full';

export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
