import { createHash } from 'node:crypto';
import {
  BlobDigest,
  BlobWriter,
  ByteRange,
  FileStore,
  HeldBlobWriter,
  StoreError,
} from '../../domain/ports/file-store.port';

const READ_CHUNK = 64 * 1024;

/** Blobs in a Map: for tests and demos. Same contract as the disk store, including invisibility until commit. */
export class MemoryFileStore implements FileStore {
  private readonly blobs = new Map<string, Buffer>();
  /** Resumable uploads' bytes by id, and the ids with a writer open. */
  private readonly held = new Map<string, Buffer[]>();
  private readonly heldOpen = new Set<string>();

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  async begin(): Promise<BlobWriter> {
    return new MemoryBlobWriter(this.blobs);
  }

  async beginHeld(id: string, keep: number): Promise<HeldBlobWriter> {
    if (this.heldOpen.has(id)) throw new StoreError('busy', `the upload ${id} is being written already`);
    this.heldOpen.add(id);
    const chunks = firstBytes(this.held.get(id) ?? [], keep);
    this.held.set(id, chunks);
    const done = (keep: boolean) => {
      this.heldOpen.delete(id);
      if (!keep) this.held.delete(id);
    };
    return new MemoryBlobWriter(this.blobs, { chunks, done });
  }

  async release(id: string): Promise<void> {
    if (this.heldOpen.has(id)) throw new StoreError('busy', `the upload ${id} is being written`);
    this.held.delete(id);
  }

  async releaseHeldExcept(ids: ReadonlySet<string>): Promise<void> {
    for (const id of this.held.keys()) if (!ids.has(id) && !this.heldOpen.has(id)) this.held.delete(id);
  }

  async *read(sha256: string, range?: ByteRange): AsyncIterable<Uint8Array> {
    const blob = this.blobs.get(sha256);
    if (!blob) throw new StoreError('not-found', `no blob ${sha256}`);
    const end = Math.min(range?.end ?? blob.length, blob.length);
    for (let offset = range?.start ?? 0; offset < end; offset += READ_CHUNK) {
      yield blob.subarray(offset, Math.min(offset + READ_CHUNK, end));
    }
  }

  async has(sha256: string): Promise<boolean> {
    return this.blobs.has(sha256);
  }

  async delete(sha256: string): Promise<void> {
    this.blobs.delete(sha256);
  }

  async *list(): AsyncIterable<string> {
    yield* [...this.blobs.keys()];
  }
}

/** A held blob's writer starts with the chunks held, and says when it is done with the id. */
interface HeldStart {
  readonly chunks: Buffer[];
  readonly done: (keep: boolean) => void;
}

class MemoryBlobWriter implements HeldBlobWriter {
  private readonly hash = createHash('sha256');
  private chunks: Buffer[];
  readonly heldBefore: number;
  private digest: BlobDigest | undefined;

  constructor(
    private readonly blobs: Map<string, Buffer>,
    private readonly held?: HeldStart,
  ) {
    this.chunks = held?.chunks ?? [];
    for (const chunk of this.chunks) this.hash.update(chunk);
    this.heldBefore = sizeOf(this.chunks);
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.hash.update(chunk);
    this.chunks.push(Buffer.from(chunk));
  }

  async seal(): Promise<BlobDigest> {
    this.digest = { sha256: this.hash.digest('hex'), size: sizeOf(this.chunks) };
    return this.digest;
  }

  async commit(): Promise<void> {
    if (!this.digest) throw new Error('commit before seal');
    if (!this.blobs.has(this.digest.sha256)) this.blobs.set(this.digest.sha256, Buffer.concat(this.chunks));
    this.chunks = [];
    this.held?.done(false);
  }

  async abort(): Promise<void> {
    this.chunks = [];
    this.held?.done(false);
  }

  async hold(): Promise<number> {
    if (!this.held) throw new Error('hold of a blob that is not held');
    this.held.done(true);
    return sizeOf(this.chunks);
  }
}

/** The chunks cut to their first `keep` bytes. */
function firstBytes(chunks: readonly Buffer[], keep: number): Buffer[] {
  const kept: Buffer[] = [];
  let left = keep;
  for (const chunk of chunks) {
    if (left <= 0) break;
    kept.push(chunk.length <= left ? chunk : chunk.subarray(0, left));
    left -= chunk.length;
  }
  return kept;
}

function sizeOf(chunks: readonly Buffer[]): number {
  return chunks.reduce((total, chunk) => total + chunk.length, 0);
}
