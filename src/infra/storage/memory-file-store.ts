import { createHash } from 'node:crypto';
import { BlobDigest, BlobWriter, ByteRange, FileStore, StoreError } from '../../domain/ports/file-store.port';

const READ_CHUNK = 64 * 1024;

/** Blobs in a Map: for tests and demos. Same contract as the disk store, including invisibility until commit. */
export class MemoryFileStore implements FileStore {
  readonly capabilities = { rangedReads: true };
  private readonly blobs = new Map<string, Buffer>();

  async open(): Promise<void> {}

  async begin(): Promise<BlobWriter> {
    return new MemoryBlobWriter(this.blobs);
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

class MemoryBlobWriter implements BlobWriter {
  private readonly hash = createHash('sha256');
  private chunks: Buffer[] = [];
  private digest: BlobDigest | undefined;

  constructor(private readonly blobs: Map<string, Buffer>) {}

  async write(chunk: Uint8Array): Promise<void> {
    this.hash.update(chunk);
    this.chunks.push(Buffer.from(chunk));
  }

  async seal(): Promise<BlobDigest> {
    const size = this.chunks.reduce((total, chunk) => total + chunk.length, 0);
    this.digest = { sha256: this.hash.digest('hex'), size };
    return this.digest;
  }

  async commit(): Promise<void> {
    if (!this.digest) throw new Error('commit before seal');
    if (!this.blobs.has(this.digest.sha256)) this.blobs.set(this.digest.sha256, Buffer.concat(this.chunks));
    this.chunks = [];
  }

  async abort(): Promise<void> {
    this.chunks = [];
  }
}
