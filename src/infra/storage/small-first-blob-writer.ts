import { createHash } from 'node:crypto';
import { BlobDigest, BlobWriter } from '../../domain/ports/file-store.port';
import { SmallBlobPack } from './small-blob-pack';
import { WriteBehindBudget } from './write-behind-budget';

/**
 * A blob gathered in memory while it is small enough for the pack, and published there; once it grows
 * past the limit (or the store's writers hold too much), it moves on to a file writer with what it has.
 */
export class SmallFirstBlobWriter implements BlobWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** The file writer it moved on to, once it is open, and while it opens (an abort then waits for it). */
  private file: BlobWriter | undefined;
  private opening: Promise<BlobWriter> | undefined;
  private bytes: Buffer | undefined;
  private digest: BlobDigest | undefined;

  constructor(
    private readonly pack: SmallBlobPack,
    private readonly limit: number,
    private readonly budget: WriteBehindBudget,
    private readonly beginFile: () => Promise<BlobWriter>,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (this.file) return this.file.write(chunk);
    if (this.size + chunk.length <= this.limit && !this.budget.exhausted) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      this.budget.take(chunk.length);
      return;
    }
    const gathered = this.release();
    this.opening = this.beginFile();
    this.file = await this.opening;
    for (const earlier of gathered) await this.file.write(earlier);
    await this.file.write(chunk);
  }

  async seal(): Promise<BlobDigest> {
    if (this.file) return this.file.seal();
    this.bytes = Buffer.concat(this.release(), this.size);
    this.digest = { sha256: createHash('sha256').update(this.bytes).digest('hex'), size: this.size };
    return this.digest;
  }

  async commit(): Promise<void> {
    if (this.file) return this.file.commit();
    if (!this.digest || !this.bytes) throw new Error('commit before seal');
    const bytes = this.bytes;
    this.bytes = undefined;
    await this.pack.put(this.digest.sha256, bytes);
  }

  async abort(): Promise<void> {
    this.release();
    this.bytes = undefined;
    const file = this.file ?? (await this.opening?.catch(() => undefined));
    await file?.abort();
  }

  /** The gathered chunks, no longer counted against the store's budget. */
  private release(): Uint8Array[] {
    const chunks = this.chunks;
    this.chunks = [];
    this.budget.give(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
    return chunks;
  }
}
