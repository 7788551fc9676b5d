import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobDigest, ByteRange, FileStore, StoreError } from '../../src/domain/ports/file-store.port';
import { SqliteEventLog } from '../../src/infra/sqlite/sqlite-event-log';
import { DiskFileStore, DiskFileStoreOptions } from '../../src/infra/storage/disk-file-store';
import { PACKED_BLOB_LIMIT, SmallBlobPack } from '../../src/infra/storage/small-blob-pack';
import { MemoryFileStore } from '../../src/infra/storage/memory-file-store';
import { ReadBufferRing } from '../../src/transport/read-buffer-ring';

interface StoreUnderTest {
  readonly store: FileStore;
  readonly cleanup: () => void | Promise<void>;
}

function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'ferry-store-'));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readAll(store: FileStore, sha: string, range?: ByteRange): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.read(sha, range)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Reads into a ring of lent buffers, giving each chunk back once copied, as a socket's write callback does. */
async function readLent(
  store: FileStore,
  sha: string,
  range?: ByteRange,
): Promise<{ bytes: Buffer; chunks: Uint8Array[] }> {
  const ring = new ReadBufferRing(2);
  const copies: Buffer[] = [];
  const chunks: Uint8Array[] = [];
  for await (const chunk of store.read(sha, range, ring)) {
    copies.push(Buffer.from(chunk));
    chunks.push(chunk);
    ring.give(chunk);
  }
  return { bytes: Buffer.concat(copies), chunks };
}

async function listAll(store: FileStore): Promise<string[]> {
  const shas: string[] = [];
  for await (const sha of store.list()) shas.push(sha);
  return shas;
}

/** Reads, expecting a StoreError; returns its kind. */
async function readErrorKind(
  store: FileStore,
  sha: string,
  read: (store: FileStore, sha: string) => Promise<unknown> = readAll,
): Promise<string> {
  try {
    await read(store, sha);
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return (error as StoreError).kind;
  }
  throw new Error(`read of ${sha} did not fail`);
}

async function writeInChunks(store: FileStore, chunks: readonly Uint8Array[]): Promise<BlobDigest> {
  const writer = await store.begin();
  for (const chunk of chunks) await writer.write(chunk);
  const digest = await writer.seal();
  await writer.commit();
  return digest;
}

function splitInto(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const parts: Buffer[] = [];
  let offset = 0;
  for (const size of sizes) {
    parts.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  parts.push(bytes.subarray(offset));
  return parts;
}

function fileStoreContract(make: () => Promise<StoreUnderTest>): void {
  let subject: StoreUnderTest;
  let store: FileStore;

  beforeEach(async () => {
    subject = await make();
    store = subject.store;
  });

  afterEach(() => subject.cleanup());

  it('seals a blob written in several chunks with the right sha256 and size', async () => {
    const bytes = randomBytes(300_000);
    const writer = await store.begin();
    for (const chunk of splitInto(bytes, [1, 7, 65_536, 100_000])) await writer.write(chunk);
    const digest = await writer.seal();
    expect(digest).toEqual({ sha256: sha256(bytes), size: bytes.length });
    await writer.commit();
  });

  it('makes nothing readable before commit, and exactly the bytes after', async () => {
    const bytes = randomBytes(200_000);
    const writer = await store.begin();
    for (const chunk of splitInto(bytes, [50_000, 50_000, 50_000])) {
      await writer.write(chunk);
      expect(await listAll(store)).toEqual([]);
    }
    const { sha256: sha } = await writer.seal();

    expect(await store.has(sha)).toBe(false);
    expect(await readErrorKind(store, sha)).toBe('not-found');
    expect(await listAll(store)).toEqual([]);

    await writer.commit();
    expect(await store.has(sha)).toBe(true);
    const read = await readAll(store, sha);
    expect(read.length).toBe(bytes.length);
    expect(read.equals(bytes)).toBe(true);
  });

  it('reads a byte range with an exclusive end', async () => {
    const bytes = randomBytes(150_000);
    const { sha256: sha } = await writeInChunks(store, [bytes]);
    expect((await readAll(store, sha, { start: 10, end: 20 })).equals(bytes.subarray(10, 20))).toBe(true);
    expect((await readAll(store, sha, { start: 0, end: 1 })).equals(bytes.subarray(0, 1))).toBe(true);
    expect(
      (await readAll(store, sha, { start: 70_000, end: bytes.length })).equals(bytes.subarray(70_000)),
    ).toBe(true);
    expect(
      (await readAll(store, sha, { start: 1_000, end: 140_001 })).equals(bytes.subarray(1_000, 140_001)),
    ).toBe(true);
  });

  it('reads into lent buffers given back chunk by chunk, every byte intact, a range too', async () => {
    const bytes = randomBytes(1_500_000);
    const { sha256: sha } = await writeInChunks(store, [bytes]);
    expect((await readLent(store, sha)).bytes.equals(bytes)).toBe(true);
    const range = { start: 300_001, end: 1_200_000 };
    expect((await readLent(store, sha, range)).bytes.equals(bytes.subarray(range.start, range.end))).toBe(
      true,
    );
    expect(await readErrorKind(store, sha256(Buffer.from('never stored')), readLent)).toBe('not-found');
  });

  it('reads an empty range as no bytes (resuming at the very end)', async () => {
    const bytes = randomBytes(100);
    const { sha256: sha } = await writeInChunks(store, [bytes]);
    expect((await readAll(store, sha, { start: 100, end: 100 })).length).toBe(0);
    expect((await readAll(store, sha, { start: 40, end: 40 })).length).toBe(0);
    const empty = await writeInChunks(store, []);
    expect((await readAll(store, empty.sha256, { start: 0, end: 0 })).length).toBe(0);
  });

  it('stores and reads a 0-byte blob', async () => {
    const empty = Buffer.alloc(0);
    const digest = await writeInChunks(store, []);
    expect(digest).toEqual({ sha256: sha256(empty), size: 0 });
    expect(await store.has(digest.sha256)).toBe(true);
    expect((await readAll(store, digest.sha256)).length).toBe(0);
    expect(await listAll(store)).toEqual([digest.sha256]);
  });

  it('stores the same content once when it is committed twice', async () => {
    const bytes = Buffer.from('the same bytes, twice');
    const first = await writeInChunks(store, [bytes.subarray(0, 5), bytes.subarray(5)]);
    const second = await writeInChunks(store, [bytes]);
    expect(second).toEqual(first);
    expect(await listAll(store)).toEqual([first.sha256]);
    expect((await readAll(store, first.sha256)).equals(bytes)).toBe(true);
  });

  it('lets two writers of the same content both commit, in either order', async () => {
    const bytes = randomBytes(10_000);
    const a = await store.begin();
    const b = await store.begin();
    await a.write(bytes);
    await b.write(bytes);
    const digestA = await a.seal();
    const digestB = await b.seal();
    await b.commit();
    await a.commit();
    expect(digestA).toEqual(digestB);
    expect(await listAll(store)).toEqual([digestA.sha256]);
    expect((await readAll(store, digestA.sha256)).equals(bytes)).toBe(true);
  });

  it('leaves nothing behind after an abort (sealed or not)', async () => {
    const sealed = await store.begin();
    await sealed.write(Buffer.from('sealed then aborted'));
    const { sha256: sha } = await sealed.seal();
    await sealed.abort();

    const unsealed = await store.begin();
    await unsealed.write(Buffer.from('aborted while writing'));
    await unsealed.abort();

    expect(await store.has(sha)).toBe(false);
    expect(await store.has(sha256(Buffer.from('aborted while writing')))).toBe(false);
    expect(await readErrorKind(store, sha)).toBe('not-found');
    expect(await listAll(store)).toEqual([]);
  });

  it('deletes a blob, and only that blob', async () => {
    const keep = await writeInChunks(store, [Buffer.from('keep')]);
    const drop = await writeInChunks(store, [Buffer.from('drop')]);
    await store.delete(drop.sha256);
    expect(await store.has(drop.sha256)).toBe(false);
    expect(await readErrorKind(store, drop.sha256)).toBe('not-found');
    expect(await store.has(keep.sha256)).toBe(true);
    expect(await listAll(store)).toEqual([keep.sha256]);
  });

  it('lists every committed sha exactly once', async () => {
    const expected: string[] = [];
    for (let i = 0; i < 12; i++)
      expected.push((await writeInChunks(store, [Buffer.from(`blob ${i}`)])).sha256);
    const listed = await listAll(store);
    expect(listed).toHaveLength(expected.length);
    expect([...listed].sort()).toEqual([...expected].sort());
  });

  describe('held blobs (resumable uploads)', () => {
    /** The bytes held under `id`, asked for without changing them. */
    async function heldBytes(id: string): Promise<number> {
      const writer = await store.beginHeld(id, Number.MAX_SAFE_INTEGER);
      const held = writer.heldBefore;
      await writer.hold();
      return held;
    }

    it('a held blob continues where it stopped, across writers, and its digest covers every byte', async () => {
      // The second prefix spans more than two of the store's 256 KiB reads.
      const bytes = randomBytes(700_000);
      const first = await store.beginHeld('upload-1', 0);
      expect(first.heldBefore).toBe(0);
      await first.write(bytes.subarray(0, 100_000));
      expect(await first.hold()).toBe(100_000);
      expect(await heldBytes('upload-1')).toBe(100_000);
      expect(await listAll(store)).toEqual([]);

      const second = await store.beginHeld('upload-1', 100_000);
      expect(second.heldBefore).toBe(100_000);
      await second.write(bytes.subarray(100_000, 550_000));
      expect(await second.hold()).toBe(550_000);

      const third = await store.beginHeld('upload-1', 550_000);
      expect(third.heldBefore).toBe(550_000);
      await third.write(bytes.subarray(550_000));
      const digest = await third.seal();
      expect(digest).toEqual({ sha256: sha256(bytes), size: bytes.length });
      await third.commit();
      expect((await readAll(store, digest.sha256)).equals(bytes)).toBe(true);
      expect(await heldBytes('upload-1')).toBe(0);
    });

    it('abort and release drop what is held; other ids keep theirs', async () => {
      for (const id of ['a', 'b', 'c']) {
        const writer = await store.beginHeld(id, 0);
        await writer.write(Buffer.from(`bytes of ${id}`));
        await writer.hold();
      }
      const resumed = await store.beginHeld('a', 7);
      await resumed.write(Buffer.from(' and more'));
      await resumed.abort();
      await store.release('b');
      await store.release('never-held');
      expect([await heldBytes('a'), await heldBytes('b'), await heldBytes('c')]).toEqual([0, 0, 10]);
    });

    it('releaseHeldExcept drops every other id, not one with a writer open', async () => {
      for (const id of ['alice\u0000up-1', 'bob\u0000../../blobs', 'carol\u0000x']) {
        const writer = await store.beginHeld(id, 0);
        await writer.write(Buffer.from('held'));
        await writer.hold();
      }
      const open = await store.beginHeld('dave\u0000open', 0);
      await open.write(Buffer.from('busy'));
      await store.releaseHeldExcept(new Set(['carol\u0000x']));
      await open.hold();
      const held = await Promise.all(
        ['alice\u0000up-1', 'bob\u0000../../blobs', 'carol\u0000x', 'dave\u0000open'].map(heldBytes),
      );
      expect(held).toEqual([0, 0, 4, 4]);
    });

    it('keeps only the first `keep` bytes: a tail never confirmed held is dropped, 0 starts afresh', async () => {
      const bytes = randomBytes(200_000);
      const first = await store.beginHeld('cut', 0);
      await first.write(bytes.subarray(0, 150_000));
      await first.hold();
      const resumed = await store.beginHeld('cut', 100_000);
      expect(resumed.heldBefore).toBe(100_000);
      await resumed.write(bytes.subarray(100_000));
      expect(await resumed.seal()).toEqual({ sha256: sha256(bytes), size: bytes.length });
      await resumed.abort();

      const short = await store.beginHeld('short', 0);
      await short.write(bytes.subarray(0, 10));
      await short.hold();
      const asked = await store.beginHeld('short', 50);
      expect(asked.heldBefore).toBe(10);
      await asked.hold();
      const afresh = await store.beginHeld('short', 0);
      expect(afresh.heldBefore).toBe(0);
      await afresh.write(Buffer.from('new'));
      expect((await afresh.seal()).sha256).toBe(sha256(Buffer.from('new')));
      await afresh.abort();
    });

    it('one writer per id at a time: a second is refused as busy until the first is done', async () => {
      const first = await store.beginHeld('u', 0);
      await expect(store.beginHeld('u', 0)).rejects.toMatchObject({ kind: 'busy' });
      await first.write(Buffer.from('x'));
      await first.hold();
      const second = await store.beginHeld('u', 1);
      expect(second.heldBefore).toBe(1);
      await second.abort();
    });

    it('takes any text as an id: one that looks like a path names nothing but its own bytes', async () => {
      const ids = ['', '../blobs', 'a/b', 'x'.repeat(2000), 'é \u0000 ü'];
      for (const [index, id] of ids.entries()) {
        const writer = await store.beginHeld(id, 0);
        await writer.write(Buffer.alloc(index + 1));
        await writer.hold();
      }
      expect(await Promise.all(ids.map(heldBytes))).toEqual([1, 2, 3, 4, 5]);
      expect(await listAll(store)).toEqual([]);
    });
  });

  it('reports an unknown sha as not found', async () => {
    const unknown = sha256(Buffer.from('never stored'));
    expect(await store.has(unknown)).toBe(false);
    expect(await readErrorKind(store, unknown)).toBe('not-found');
  });
}

describe.each<[string, () => Promise<StoreUnderTest>]>([
  // As a server has it: small blobs in the pack, on the audit log's connection.
  ['DiskFileStore', diskStoreWithLog({ fsync: true })],
  // --no-fsync changes when bytes reach the disk, never what the store answers.
  ['DiskFileStore without fsync', diskStoreWithLog({ fsync: false })],
  // Each way a blob is kept, on its own: every blob a file, and every blob a row of the pack.
  ['DiskFileStore with files only', diskStoreWithLog({ fsync: true, packedBlobLimit: 0 })],
  ['DiskFileStore packing every blob', diskStoreWithLog({ fsync: true, packedBlobLimit: 16 * 1024 * 1024 })],
  // As a backup's copy has it: no server, the folder's pack opened by the store itself.
  [
    'DiskFileStore with a pack of its own',
    async () => {
      const root = tempRoot();
      await openLog(root).close();
      const pack = SmallBlobPack.openForWriting(join(root, 'audit.db'));
      const store = new DiskFileStore(root, { fsync: true, pack });
      await store.open();
      return {
        store,
        cleanup: async () => {
          await store.close();
          await pack?.close();
          rmSync(root, { recursive: true, force: true });
        },
      };
    },
  ],
  ['MemoryFileStore', async () => ({ store: new MemoryFileStore(), cleanup: () => undefined })],
])('FileStore contract: %s', (_name, make) => {
  fileStoreContract(make);
});

/** The audit database of a data folder at `root`, which holds the pack of small blobs. */
function openLog(root: string): SqliteEventLog {
  return new SqliteEventLog({ file: join(root, 'audit.db'), now: () => new Date().toISOString() });
}

function diskStoreWithLog(options: Omit<DiskFileStoreOptions, 'pack'>): () => Promise<StoreUnderTest> {
  return async () => {
    const root = tempRoot();
    const log = openLog(root);
    const store = new DiskFileStore(root, { ...options, pack: log.smallBlobs });
    await store.open();
    return {
      store,
      cleanup: async () => {
        await store.close();
        await log.close();
        rmSync(root, { recursive: true, force: true });
      },
    };
  };
}

describe('DiskFileStore on disk', () => {
  let root: string;
  let log: SqliteEventLog;
  let store: DiskFileStore;

  beforeEach(async () => {
    root = tempRoot();
    log = openLog(root);
    store = new DiskFileStore(root, { fsync: true, pack: log.smallBlobs });
    await store.open();
  });

  afterEach(async () => {
    await store.close();
    await log.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** More than the pack takes: a blob of this size is a file of its own. */
  const LARGE = PACKED_BLOB_LIMIT + 1;

  it('reads a file blob into the buffers it is lent, again and again once given back', async () => {
    const bytes = randomBytes(2 * 1024 * 1024 + 5);
    const { sha256: sha } = await writeInChunks(store, [bytes]);
    const { bytes: read, chunks } = await readLent(store, sha);
    expect(read.equals(bytes)).toBe(true);
    // Nine chunks of at most 256 KiB, read into the one buffer given back after each.
    expect(chunks).toHaveLength(9);
    expect(new Set(chunks.map((chunk) => chunk.buffer)).size).toBe(1);
  });

  describe('syncing behind the writes', () => {
    /** FileHandle's class, reached through a handle: node:fs/promises does not export it. */
    async function fileHandlePrototype(): Promise<FileHandle> {
      const handle = await open(join(root, 'probe'), 'w');
      await handle.close();
      return Object.getPrototypeOf(handle) as FileHandle;
    }
    const MiB = 1024 * 1024;

    it('a durable store has the disk write while a large blob arrives, not only at the end', async () => {
      const datasync = jest.spyOn(await fileHandlePrototype(), 'datasync');
      try {
        const writer = await store.begin();
        for (let i = 0; i < 80; i++) await writer.write(randomBytes(MiB));
        // One begins once 32 MiB are written; another at 64 MiB unless the first still runs.
        expect(datasync.mock.calls.length).toBeGreaterThanOrEqual(1);
        const { size } = await writer.seal();
        expect(size).toBe(80 * MiB);
      } finally {
        datasync.mockRestore();
      }
    });

    it('a store without fsync never syncs', async () => {
      const fastRoot = tempRoot();
      const fast = new DiskFileStore(fastRoot, { fsync: false });
      await fast.open();
      const datasync = jest.spyOn(await fileHandlePrototype(), 'datasync');
      try {
        const writer = await fast.begin();
        for (let i = 0; i < 40; i++) await writer.write(randomBytes(MiB));
        await writer.seal();
        expect(datasync).not.toHaveBeenCalled();
      } finally {
        datasync.mockRestore();
        await fast.close();
        rmSync(fastRoot, { recursive: true, force: true });
      }
    });

    it('runs one sync-behind at a time for the whole store, however many large uploads arrive', async () => {
      const prototype = await fileHandlePrototype();
      const real = prototype.datasync;
      let running = 0;
      let most = 0;
      const datasync = jest.spyOn(prototype, 'datasync').mockImplementation(async function (
        this: FileHandle,
      ) {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        await real.call(this);
        running--;
      });
      try {
        const writers = await Promise.all([store.begin(), store.begin(), store.begin()]);
        for (let i = 0; i < 70; i++) {
          await Promise.all(writers.map((writer) => writer.write(randomBytes(MiB))));
        }
        await Promise.all(writers.map((writer) => writer.seal()));
        await Promise.all(writers.map((writer) => writer.abort()));
        expect(datasync).toHaveBeenCalled();
        expect(most).toBe(1);
      } finally {
        datasync.mockRestore();
      }
    });

    it('a failed datasync fails the blob at a later write or at its seal: nothing is committed', async () => {
      const datasync = jest
        .spyOn(await fileHandlePrototype(), 'datasync')
        .mockRejectedValue(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      try {
        const writer = await store.begin();
        const bytes = randomBytes(40 * MiB);
        const writeAndSeal = async () => {
          for (let at = 0; at < bytes.length; at += MiB) await writer.write(bytes.subarray(at, at + MiB));
          await writer.seal();
        };
        await expect(writeAndSeal()).rejects.toMatchObject({ kind: 'io', message: /EIO/ });
        await writer.abort();
        expect(await store.has(sha256(bytes))).toBe(false);
        expect(readdirSync(join(root, 'tmp'))).toEqual([]);
      } finally {
        datasync.mockRestore();
      }
    });
  });

  it('keeps the temporary out of tmp/ after an abort', async () => {
    const writer = await store.begin();
    await writer.write(randomBytes(LARGE));
    expect(readdirSync(join(root, 'tmp'))).toHaveLength(1);
    await writer.seal();
    await writer.abort();
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);

    const unsealed = await store.begin();
    await unsealed.write(randomBytes(LARGE));
    await unsealed.abort();
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });

  it('leaves tmp/ empty after a commit', async () => {
    await writeInChunks(store, [randomBytes(1_000)]);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });

  it('sweeps stale temporaries on open, keeping committed blobs', async () => {
    const kept = await writeInChunks(store, [randomBytes(LARGE)]);
    writeFileSync(join(root, 'tmp', 'stale.part'), 'half a file');
    mkdirSync(join(root, 'tmp', 'nested'));
    writeFileSync(join(root, 'tmp', 'nested', 'deeper.part'), 'x');

    const reopened = new DiskFileStore(root);
    await reopened.open();
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    expect(await reopened.has(kept.sha256)).toBe(true);
    expect(await listAll(reopened)).toEqual([kept.sha256]);
  });

  it('creates its directories on open', async () => {
    const fresh = join(root, 'fresh');
    const opened = new DiskFileStore(fresh);
    await opened.open();
    await opened.close();
    expect(readdirSync(fresh).sort()).toEqual(['blobs', 'held', 'tmp']);
  });

  it('keeps held bytes in held/<id> across a restart, where temporaries are swept', async () => {
    const writer = await store.beginHeld('resumable', 0);
    await writer.write(Buffer.from('half of it'));
    await writer.hold();
    const reopened = new DiskFileStore(root);
    await reopened.open();
    const [file] = readdirSync(join(root, 'held'));
    expect(file).toBe(sha256(Buffer.from('resumable')));
    expect(readFileSync(join(root, 'held', file), 'utf8')).toBe('half of it');
    const resumed = await reopened.beginHeld('resumable', 10);
    expect(resumed.heldBefore).toBe(10);
    await resumed.write(Buffer.from(', the rest'));
    const digest = await resumed.seal();
    expect(digest.sha256).toBe(sha256(Buffer.from('half of it, the rest')));
  });

  it('puts a blob at blobs/<first two hex>/<sha>', async () => {
    const bytes = randomBytes(LARGE);
    const { sha256: sha } = await writeInChunks(store, [bytes]);
    const path = join(root, 'blobs', sha.slice(0, 2), sha);
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(readdirSync(join(root, 'blobs'))).toEqual([sha.slice(0, 2)]);
  });

  it('lists only well-formed blob names in their own shard', async () => {
    const { sha256: sha } = await writeInChunks(store, [randomBytes(LARGE)]);
    const shard = join(root, 'blobs', sha.slice(0, 2));
    writeFileSync(join(shard, 'not-a-sha'), 'x');
    const misplaced = sha256(Buffer.from('misplaced'));
    const wrongShard = misplaced.startsWith('00') ? 'ff' : '00';
    mkdirSync(join(root, 'blobs', wrongShard), { recursive: true });
    writeFileSync(join(root, 'blobs', wrongShard, misplaced), 'x');
    expect(await listAll(store)).toEqual([sha]);
  });

  it('refuses a malformed sha as not found rather than touching another path', async () => {
    expect(await readErrorKind(store, '../../etc/passwd')).toBe('not-found');
    expect(await readErrorKind(store, 'A'.repeat(64))).toBe('not-found');
  });

  describe('the pack of small blobs', () => {
    const filesUnder = (folder: string) =>
      readdirSync(join(root, folder), { recursive: true, withFileTypes: true }).filter((entry) =>
        entry.isFile(),
      );

    it('keeps a blob of up to the limit in the pack, and a larger one as a file', async () => {
      const small = await writeInChunks(store, [randomBytes(PACKED_BLOB_LIMIT)]);
      expect(filesUnder('blobs')).toEqual([]);
      const large = await writeInChunks(store, [randomBytes(LARGE)]);
      expect(filesUnder('blobs').map((entry) => entry.name)).toEqual([large.sha256]);
      expect((await listAll(store)).sort()).toEqual([small.sha256, large.sha256].sort());
    });

    it('makes a blob declared larger than the limit a file from the start, and one declared small a row', async () => {
      const large = await store.begin(LARGE);
      expect(filesUnder('tmp')).toHaveLength(1);
      await large.abort();
      const small = await store.begin(100);
      await small.write(Buffer.from('declared small'));
      expect(filesUnder('tmp')).toEqual([]);
      await small.seal();
      await small.commit();
      expect(filesUnder('blobs')).toEqual([]);
      expect(await store.has(sha256(Buffer.from('declared small')))).toBe(true);
    });

    it('moves a blob that grows past the limit to a file, every byte and the digest intact', async () => {
      const bytes = randomBytes(PACKED_BLOB_LIMIT + 10_000);
      const writer = await store.begin();
      for (const chunk of splitInto(bytes, [40_000, 20_000])) await writer.write(chunk);
      expect(filesUnder('tmp')).toHaveLength(1);
      expect(await writer.seal()).toEqual({ sha256: sha256(bytes), size: bytes.length });
      await writer.commit();
      expect(filesUnder('blobs').map((entry) => entry.name)).toEqual([sha256(bytes)]);
      expect((await readAll(store, sha256(bytes))).equals(bytes)).toBe(true);
      expect(filesUnder('tmp')).toEqual([]);
    });

    it('fails the write whose move to a file cannot start, and still aborts cleanly', async () => {
      rmSync(join(root, 'tmp'), { recursive: true });
      const writer = await store.begin();
      await writer.write(randomBytes(PACKED_BLOB_LIMIT));
      await expect(writer.write(randomBytes(10))).rejects.toMatchObject({
        name: 'StoreError',
        kind: 'not-found',
      });
      await writer.abort();
      const after = await writeInChunks(store, [Buffer.from('after a failed move')]);
      expect(await store.has(after.sha256)).toBe(true);
    });

    it('gathers no more in memory than the store allows: past that, a small blob goes to a file', async () => {
      // Enough writers, each holding a full small blob, to exhaust the store's write-behind budget.
      const writers = await Promise.all(Array.from({ length: 520 }, () => store.begin()));
      for (const writer of writers) await writer.write(randomBytes(PACKED_BLOB_LIMIT));
      expect(filesUnder('tmp').length).toBeGreaterThan(0);
      await Promise.all(writers.map((writer) => writer.abort()));
      expect(filesUnder('tmp')).toEqual([]);
      const after = await writeInChunks(store, [Buffer.from('the budget is back')]);
      expect(filesUnder('blobs')).toEqual([]);
      expect(await store.has(after.sha256)).toBe(true);
    });

    it('is read, as it is written, by a store that only reads; and survives a restart', async () => {
      const reader = new DiskFileStore(root);
      const bytes = Buffer.from('packed while a reader looks');
      expect(await reader.has(sha256(bytes))).toBe(false);
      await writeInChunks(store, [bytes]);
      expect(await reader.has(sha256(bytes))).toBe(true);
      expect((await readAll(reader, sha256(bytes), { start: 7, end: 12 })).toString()).toBe('while');
      expect(await listAll(reader)).toEqual([sha256(bytes)]);
      await reader.close();
      await store.close();
      await log.close();
      log = openLog(root);
      store = new DiskFileStore(root, { fsync: true, pack: log.smallBlobs });
      await store.open();
      expect((await readAll(store, sha256(bytes))).equals(bytes)).toBe(true);
    });

    it('lists a blob kept both as a file and in the pack once, and deletes both', async () => {
      const bytes = Buffer.from('stored before the pack, and again after');
      const filesOnly = new DiskFileStore(root, { fsync: true, packedBlobLimit: 0 });
      await filesOnly.open();
      await writeInChunks(filesOnly, [bytes]);
      await filesOnly.close();
      await writeInChunks(store, [bytes]);
      expect(filesUnder('blobs')).toHaveLength(1);
      expect(await listAll(store)).toEqual([sha256(bytes)]);
      await store.delete(sha256(bytes));
      expect(await store.has(sha256(bytes))).toBe(false);
      expect(filesUnder('blobs')).toEqual([]);
    });

    it('fails a commit it cannot write with a StoreError, and publishes nothing', async () => {
      const writer = await store.begin();
      await writer.write(Buffer.from('never stored'));
      const { sha256: sha } = await writer.seal();
      // The database closed under the writer: its insert fails as a failing disk would make it.
      await log.close();
      await expect(writer.commit()).rejects.toMatchObject({ name: 'StoreError', kind: 'io' });
      log = openLog(root);
      store = new DiskFileStore(root, { fsync: true, pack: log.smallBlobs });
      await store.open();
      expect(await store.has(sha)).toBe(false);
    });
  });
});
