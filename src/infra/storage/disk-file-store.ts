import { createHash, Hash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BlobDigest,
  BlobWriter,
  ByteRange,
  FileStore,
  HeldBlobWriter,
  ReadBuffers,
  StoreError,
} from '../../domain/ports/file-store.port';
import { hashPrefix, readChunks } from '../../domain/read-chunks';
import { asStoreError, guard, isMissing } from './store-errors';
import { PACKED_BLOB_LIMIT, SmallBlobPack } from './small-blob-pack';
import { SmallFirstBlobWriter } from './small-first-blob-writer';
import { WriteBehindBudget } from './write-behind-budget';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A reader that lends no buffers gets a new one per chunk, its to keep. */
const FRESH_BUFFERS: ReadBuffers = { take: (size) => Buffer.allocUnsafe(size) };
/** The database holding the pack, in the store's root: the audit log's. */
const PACK_DATABASE = 'audit.db';

export interface DiskFileStoreOptions {
  /** False: bytes are not forced to disk before a blob is sealed, held or committed (faster, not durable). */
  readonly fsync: boolean;
  /** Blobs of at most this many bytes go to the pack (PACKED_BLOB_LIMIT unless given; 0: none do). */
  readonly packedBlobLimit?: number;
  /** Where small blobs go once the store is opened (their giver closes it); none: every blob is a file. */
  readonly pack?: SmallBlobPack;
}

/**
 * Blobs as files: `blobs/ab/abcdef...` under the root, written first to `tmp/` and then fsynced and
 * renamed into place, so a blob is either wholly there or not there at all. A resumable upload writes to
 * `held/<sha256 of its id>` instead, which a restart keeps (`tmp/` it empties). Blobs of at most
 * PACKED_BLOB_LIMIT bytes go to the audit database's pack instead (SmallBlobPack): they are gathered in
 * memory, and a blob that grows past the limit moves on to a file.
 *
 * A store is given the pack it writes to: a server's, on the log's connection; a backup's copy, on a
 * connection of its own; one given none keeps every blob as a file. A store that is never opened only
 * reads (`ferry audit verify`, a backup's source, while a server may be writing) and opens the folder's
 * pack read-only once there is one.
 */
export class DiskFileStore implements FileStore {
  private readonly blobs: string;
  private readonly temporaries: string;
  private readonly heldRoot: string;
  private readonly packFile: string;
  /** Set by `open` (written), or at the first lookup of a store that only reads. */
  private pack: SmallBlobPack | undefined;
  private writable = false;
  private closed = false;
  /** Held ids with a writer open: a second writer would interleave its bytes with the first's. */
  private readonly heldOpen = new Set<string>();
  private readonly budget = new WriteBehindBudget(WRITE_BEHIND_BUDGET);
  private readonly syncBehindSlot: SyncBehindSlot = { busy: false };

  constructor(
    root: string,
    private readonly options: DiskFileStoreOptions = { fsync: true },
  ) {
    this.blobs = join(root, 'blobs');
    this.temporaries = join(root, 'tmp');
    this.heldRoot = join(root, 'held');
    this.packFile = join(root, PACK_DATABASE);
  }

  async open(): Promise<void> {
    await rm(this.temporaries, { recursive: true, force: true });
    await mkdir(this.temporaries, { recursive: true });
    await mkdir(this.blobs, { recursive: true });
    await mkdir(this.heldRoot, { recursive: true });
    this.pack = this.options.pack;
    this.writable = true;
  }

  async close(): Promise<void> {
    // A pack given at construction is its giver's to close; one opened here to read is this store's.
    const opened = this.pack !== this.options.pack ? this.pack : undefined;
    this.pack = undefined;
    this.closed = true;
    await opened?.close();
  }

  /** A blob expected to be larger than the pack takes is a file from the start: nothing to gather first. */
  async begin(expectedSize?: number): Promise<BlobWriter> {
    const limit = this.options.packedBlobLimit ?? PACKED_BLOB_LIMIT;
    const small = limit > 0 && (expectedSize === undefined || expectedSize <= limit);
    if (!this.writable || !this.pack || !small) return this.beginFile();
    return new SmallFirstBlobWriter(this.pack, limit, this.budget, () => this.beginFile());
  }

  private async beginFile(): Promise<BlobWriter> {
    const path = join(this.temporaries, `${randomUUID()}.part`);
    const handle = await guard(() => open(path, 'wx', 0o600));
    return new DiskBlobWriter(handle, path, this.writerSettings());
  }

  async beginHeld(id: string, keep: number): Promise<HeldBlobWriter> {
    const path = this.heldPathOf(id);
    if (this.heldOpen.has(id)) throw new StoreError('busy', `the upload ${id} is being written already`);
    this.heldOpen.add(id);
    try {
      // What is kept is hashed again: the digest covers the whole blob.
      const hash = createHash('sha256');
      let size = 0;
      if (keep > 0) {
        try {
          size = await hashPrefix(await open(path, 'r'), keep, hash);
        } catch (error) {
          if (!isMissing(error)) throw asStoreError(error);
        }
      }
      const handle = await guard(() => open(path, 'a', 0o600));
      await guard(() => handle.truncate(size)).catch(async (error) => {
        await handle.close();
        throw error;
      });
      const done = () => this.heldOpen.delete(id);
      const held = { hash, size, done };
      return new DiskBlobWriter(handle, path, this.writerSettings(), held);
    } catch (error) {
      this.heldOpen.delete(id);
      throw error;
    }
  }

  async release(id: string): Promise<void> {
    if (this.heldOpen.has(id)) throw new StoreError('busy', `the upload ${id} is being written`);
    await guard(() => rm(this.heldPathOf(id), { force: true }));
  }

  async releaseHeldExcept(ids: ReadonlySet<string>): Promise<void> {
    const kept = new Set([...ids].map(heldFileName));
    for (const id of this.heldOpen) kept.add(heldFileName(id));
    for (const name of await guard(() => readdir(this.heldRoot))) {
      if (!kept.has(name)) await guard(() => rm(join(this.heldRoot, name), { force: true }));
    }
  }

  async *read(
    sha256: string,
    range?: ByteRange,
    buffers: ReadBuffers = FRESH_BUFFERS,
  ): AsyncIterable<Uint8Array> {
    const path = this.pathOf(sha256);
    const packed = this.packed()?.get(sha256);
    if (packed) {
      const part = range ? packed.subarray(range.start, range.end) : packed;
      if (part.length > 0) yield part;
      return;
    }
    const file = await guard(() => open(path, 'r'));
    try {
      yield* readChunks(file, buffers, range?.start, range?.end);
    } catch (error) {
      throw asStoreError(error);
    }
  }

  async has(sha256: string): Promise<boolean> {
    const path = this.pathOf(sha256);
    if (this.packed()?.has(sha256)) return true;
    try {
      await stat(path);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw asStoreError(error);
    }
  }

  async delete(sha256: string): Promise<void> {
    const path = this.pathOf(sha256);
    this.packed()?.delete(sha256);
    await guard(() => rm(path, { force: true }));
  }

  /** Each blob once, even one both packed and a file (packed after it was stored as a file). */
  async *list(): AsyncIterable<string> {
    const pack = this.packed();
    if (pack) yield* pack.list();
    for (const shard of await guard(() => readdir(this.blobs))) {
      for (const name of await guard(() => readdir(join(this.blobs, shard)))) {
        if (SHA256_HEX.test(name) && name.startsWith(shard) && !pack?.has(name)) yield name;
      }
    }
  }

  /** The pack, if there is one: a store that only reads opens it once it exists. */
  private packed(): SmallBlobPack | undefined {
    if (!this.pack && !this.writable && !this.closed && existsSync(this.packFile)) {
      this.pack = SmallBlobPack.openForReading(this.packFile);
    }
    return this.pack;
  }

  private writerSettings(): WriterSettings {
    return {
      destination: (sha256) => this.pathOf(sha256),
      fsync: this.options.fsync,
      budget: this.budget,
      syncBehindSlot: this.syncBehindSlot,
    };
  }

  private heldPathOf(id: string): string {
    return join(this.heldRoot, heldFileName(id));
  }

  private pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new StoreError('not-found', `not a SHA-256: ${sha256}`);
    return join(this.blobs, sha256.slice(0, 2), sha256);
  }
}

/** What a writer shares with its store. */
interface WriterSettings {
  /** Where a blob with this SHA-256 is published. */
  readonly destination: (sha256: string) => string;
  readonly fsync: boolean;
  readonly budget: WriteBehindBudget;
  readonly syncBehindSlot: SyncBehindSlot;
}

/**
 * Taken by the one writer of a store whose sync-behind runs: a datasync holds a thread of the pool for
 * as long as the disk takes, and four large uploads at once must not take every thread that reads,
 * writes and the log's own syncs need.
 */
interface SyncBehindSlot {
  busy: boolean;
}

/** A held blob's writer starts from what it holds, and says when it is done with the id. */
interface HeldStart {
  readonly hash: Hash;
  readonly size: number;
  readonly done: () => void;
}

/**
 * Chunks are gathered until there are this many bytes, then written with one `writev`, while the next
 * ones gather: the socket is read on while the disk writes, and the disk sees a few large writes instead
 * of one per socket read.
 */
const WRITE_BEHIND_BYTES = 1024 * 1024;

/**
 * A durable store's writer has the disk write every this many bytes while the blob is still arriving.
 * Measured on a 1 GiB put: the fsync that seals the blob took 600-670 ms without it, 24-28 ms with it,
 * and the put 4.5-5.1 s against 3.8-4.2 s.
 */
const SYNC_BEHIND_BYTES = 32 * 1024 * 1024;

/** What all the writers of one store may hold gathered or in flight, together (see WriteBehindBudget). */
const WRITE_BEHIND_BUDGET = 32 * 1024 * 1024;

class DiskBlobWriter implements HeldBlobWriter {
  private readonly hash: Hash;
  private size: number;
  readonly heldBefore: number;
  private digest: BlobDigest | undefined;
  private closed = false;
  /** Chunks received and not yet handed to the disk. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** The one write in flight; its failure is kept for the next write, seal or hold. */
  private writing: Promise<void> = Promise.resolve();
  private failure: StoreError | undefined;
  /** Bytes written since the last datasync began, and that datasync while it runs (see SYNC_BEHIND_BYTES). */
  private unsynced = 0;
  private syncing: Promise<void> | undefined;

  constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
    private readonly settings: WriterSettings,
    private readonly held?: HeldStart,
  ) {
    this.hash = held?.hash ?? createHash('sha256');
    this.size = held?.size ?? 0;
    this.heldBefore = this.size;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    this.hash.update(chunk);
    this.size += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.settings.budget.take(chunk.length);
    if (this.pendingBytes >= WRITE_BEHIND_BYTES || this.settings.budget.exhausted) await this.flush();
  }

  /** Waits for the write in flight, then starts writing what gathered, without waiting for it. */
  private async flush(): Promise<void> {
    await this.writing;
    if (this.failure) throw this.failure;
    const chunks = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    if (chunks.length === 0) return;
    this.writing = this.writeAll(chunks)
      .then(() => this.syncBehind(bytes))
      .catch((error: unknown) => {
        this.failure = asStoreError(error);
      })
      .finally(() => this.settings.budget.give(bytes));
  }

  /** `writev` may write less than asked (a full disk, a signal): the rest is written again. */
  private async writeAll(chunks: Uint8Array[]): Promise<void> {
    let left = chunks;
    while (left.length > 0) {
      const { bytesWritten } = await this.handle.writev(left);
      left = unwritten(left, bytesWritten);
    }
  }

  /**
   * A durable store starts a datasync of what it wrote every SYNC_BEHIND_BYTES, without waiting for it:
   * the disk writes while the bytes arrive, and the fsync that seals the blob has only the tail left.
   */
  private syncBehind(bytes: number): void {
    if (!this.settings.fsync) return;
    this.unsynced += bytes;
    const slot = this.settings.syncBehindSlot;
    if (this.syncing || slot.busy || this.unsynced < SYNC_BEHIND_BYTES) return;
    this.unsynced = 0;
    slot.busy = true;
    this.syncing = this.handle
      .datasync()
      .catch((error: unknown) => {
        this.failure ??= asStoreError(error);
      })
      .finally(() => {
        this.syncing = undefined;
        slot.busy = false;
      });
  }

  /** Every byte received handed to the disk, and written. */
  private async flushed(): Promise<void> {
    await this.flush();
    await this.writing;
    await this.syncing;
    if (this.failure) throw this.failure;
  }

  async seal(): Promise<BlobDigest> {
    await this.flushed();
    if (this.settings.fsync) await guard(() => this.handle.sync());
    await this.close();
    this.digest = { sha256: this.hash.digest('hex'), size: this.size };
    return this.digest;
  }

  async commit(): Promise<void> {
    if (!this.digest) throw new Error('commit before seal');
    const target = this.settings.destination(this.digest.sha256);
    const shard = join(target, '..');
    const madeShard = await guard(() => mkdir(shard, { recursive: true }));
    await guard(() => rename(this.path, target));
    if (this.settings.fsync) {
      await syncDirectory(shard);
      // A new shard is durable only once the folder naming it is synced too: otherwise a power cut may
      // take an acknowledged blob away with its shard (strict POSIX; the crash-point test shows it).
      if (madeShard !== undefined) await syncDirectory(join(shard, '..'));
    }
    this.held?.done();
  }

  async abort(): Promise<void> {
    this.settings.budget.give(this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await this.writing;
    await this.syncing;
    await this.close();
    await unlink(this.path).catch(() => undefined);
    this.held?.done();
  }

  async hold(): Promise<number> {
    if (!this.held) throw new Error('hold of a blob that is not held');
    await this.flushed();
    if (this.settings.fsync) await guard(() => this.handle.sync());
    await this.close();
    if (this.settings.fsync) await syncDirectory(join(this.path, '..'));
    this.held.done();
    return this.size;
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/** What is left of `chunks` once their first `written` bytes are written. */
export function unwritten(chunks: Uint8Array[], written: number): Uint8Array[] {
  let skip = written;
  let first = 0;
  while (first < chunks.length && skip >= chunks[first].length) skip -= chunks[first++].length;
  const left = chunks.slice(first);
  if (left.length > 0 && skip > 0) left[0] = left[0].subarray(skip);
  return left;
}

/** Ids are any text (an actor's and a client's words): the file is named by their hash, never by them. */
function heldFileName(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** A rename is durable only once the directory that holds the new entry is fsynced. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await guard(() => open(path, 'r'));
  try {
    await guard(() => handle.sync());
  } finally {
    await handle.close();
  }
}
