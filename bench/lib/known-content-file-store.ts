import { createHash } from 'node:crypto';
import {
  BlobDigest,
  BlobWriter,
  ByteRange,
  FileStore,
  HeldBlobWriter,
} from '../../src/domain/ports/file-store.port';

/**
 * For generating benchmark folders only: the real DiskFileStore, except that a body whose content is
 * already stored is hashed and dropped instead of going through a temporary file, an fsync and a rename
 * that would end in the very same blob. New content goes through the real store, so the folder ends up
 * exactly as the real store would have left it (content addressing makes the skipped writes no-ops).
 */
export class KnownContentFileStore implements FileStore {
  private readonly known = new Set<string>();

  constructor(private readonly inner: FileStore) {}

  /** How many uploads were stored for real (new content) and how many only hashed. */
  readonly counts = { stored: 0, skipped: 0 };

  async open(): Promise<void> {
    await this.inner.open();
    for await (const sha256 of this.inner.list()) this.known.add(sha256);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async begin(): Promise<BlobWriter> {
    return new KnownContentWriter(this.inner, this.known, this.counts);
  }

  /** Resumable uploads are not part of the workload: the real store's. */
  beginHeld(id: string, keep: number): Promise<HeldBlobWriter> {
    return this.inner.beginHeld(id, keep);
  }

  release(id: string): Promise<void> {
    return this.inner.release(id);
  }

  releaseHeldExcept(ids: ReadonlySet<string>): Promise<void> {
    return this.inner.releaseHeldExcept(ids);
  }

  read(sha256: string, range?: ByteRange): AsyncIterable<Uint8Array> {
    return this.inner.read(sha256, range);
  }

  has(sha256: string): Promise<boolean> {
    return this.inner.has(sha256);
  }

  async delete(sha256: string): Promise<void> {
    this.known.delete(sha256);
    await this.inner.delete(sha256);
  }

  list(): AsyncIterable<string> {
    return this.inner.list();
  }
}

class KnownContentWriter implements BlobWriter {
  private readonly hash = createHash('sha256');
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private digest: BlobDigest | undefined;
  /** Set when the content was new: the real writer that holds it, sealed, until commit. */
  private real: BlobWriter | undefined;

  constructor(
    private readonly inner: FileStore,
    private readonly known: Set<string>,
    private readonly counts: { stored: number; skipped: number },
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    this.hash.update(chunk);
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  async seal(): Promise<BlobDigest> {
    const digest = { sha256: this.hash.digest('hex'), size: this.size };
    if (!this.known.has(digest.sha256)) {
      this.real = await this.inner.begin();
      for (const chunk of this.chunks) await this.real.write(chunk);
      const stored = await this.real.seal();
      if (stored.sha256 !== digest.sha256) throw new Error('the real store hashed different bytes');
    }
    this.chunks.length = 0;
    this.digest = digest;
    return digest;
  }

  async commit(): Promise<void> {
    if (!this.digest) throw new Error('commit before seal');
    if (!this.real) {
      this.counts.skipped++;
      return;
    }
    await this.real.commit();
    this.known.add(this.digest.sha256);
    this.counts.stored++;
  }

  async abort(): Promise<void> {
    this.chunks.length = 0;
    await this.real?.abort();
  }
}
