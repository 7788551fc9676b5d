import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DiskFileStore } from '../../src/infra/storage/disk-file-store';
import { EventRow, readEvents } from '../support/audit-db';
import { FaultyFileStore, StoreOperation } from '../support/faulty-file-store';
import { RawConnection } from '../support/raw-connection';
import { chunksOf, collector, sha256 } from '../support/streams';
import { removeDir, startTestServer, tempDir, TestServer } from '../support/test-server';

/**
 * The file store failing under a live server (real disk underneath, real sockets, real SQLite): each
 * failure reaches the client as a clear code, leaves nothing visible and no temporary behind, is recorded
 * as the command's one event, and costs other clients nothing.
 */
describe('a file store that fails', () => {
  let store: FaultyFileStore;
  let ferry: TestServer;
  const body = Buffer.alloc(3 * 1024 * 1024, 'bytes of a file ');

  beforeEach(async () => {
    const dataDir = tempDir();
    store = new FaultyFileStore(new DiskFileStore(dataDir));
    ferry = await startTestServer({ dataDir, overrides: { fileStore: store } });
  });

  afterEach(async () => {
    await ferry.stop();
    removeDir(ferry.dataDir);
  });

  const temporaries = () => readdirSync(join(ferry.dataDir, 'tmp'));
  const refusals = (): EventRow[] => readEvents(ferry.dataDir).filter((e) => e.type === 'CommandRejected');

  it.each<[StoreOperation, 'ENOSPC' | 'EIO', string]>([
    ['begin', 'ENOSPC', 'STORAGE_FULL'],
    ['begin', 'EIO', 'STORAGE_FAILED'],
    ['write', 'ENOSPC', 'STORAGE_FULL'],
    ['write', 'EIO', 'STORAGE_FAILED'],
    ['seal', 'EIO', 'STORAGE_FAILED'],
    ['commit', 'ENOSPC', 'STORAGE_FULL'],
  ])(
    '%s failing with %s refuses the upload with %s; nothing shows, and the connection serves on',
    async (operation, error, code) => {
      store.inject(operation, { error, after: operation === 'write' ? 5 : 0, times: 1 });
      const refused = await ferry.connect();
      await expect(refused.upload('broken.bin', chunksOf(body), body.length)).rejects.toMatchObject({ code });
      expect(store.struck(operation)).toBe(1);
      expect(temporaries()).toEqual([]);
      // A refusal before the body closes a connection with this much body to come; after it, it serves on.
      const client = operation === 'begin' ? await ferry.connect() : refused;
      await expect(client.stat('broken.bin')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await client.upload('whole.bin', chunksOf(body), body.length)).toMatchObject({ version: 1 });
      await client.logout();
      const uploads = refusals().filter((event) => event.payload.command === 'UPLOAD');
      expect(uploads.map((event) => event.payload)).toEqual([
        expect.objectContaining({ name: 'broken.bin', code }),
      ]);
    },
  );

  it('records a refused upload even when its bytes cannot be dropped', async () => {
    store.inject('abort', { error: 'EIO' });
    const client = await ferry.connect();
    const wrong = sha256(Buffer.from('something else'));
    await expect(
      client.upload('refused.bin', chunksOf(body), body.length, { sha256: wrong }),
    ).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(store.struck('abort')).toBe(1);
    await client.logout();
    expect(refusals().map((event) => event.payload.code)).toEqual(['CHECKSUM_MISMATCH']);
  });

  it('refuses a download whose bytes cannot be read with STORAGE_FAILED, and records it', async () => {
    const client = await ferry.connect();
    await client.upload('kept.bin', chunksOf(body), body.length);
    store.inject('read', { error: 'EIO', times: 1 });
    await expect(client.download('kept.bin', collector().sink)).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
    });
    const again = collector();
    await client.download('kept.bin', again.sink);
    expect(again.bytes().equals(body)).toBe(true);
    await client.logout();
    expect(refusals().map((event) => event.payload)).toEqual([
      expect.objectContaining({ command: 'DOWNLOAD', code: 'STORAGE_FAILED', name: 'kept.bin' }),
    ]);
  });

  it('cuts a download whose bytes fail mid-stream, and records how many left', async () => {
    const client = await ferry.connect();
    await client.upload('kept.bin', chunksOf(body), body.length);
    await client.logout();
    store.inject('read', { error: 'EIO', after: 2 });
    const raw = await RawConnection.open(ferry.address);
    raw.send('DOWNLOAD kept.bin\n');
    const [header] = await raw.lines(1);
    expect(header).toMatch(new RegExp(`^OK size=${body.length} `));
    const received = await raw.bytes(body.length);
    await raw.closed();
    expect(received.length).toBeLessThan(body.length);
    await until(() => readEvents(ferry.dataDir).some((e) => e.type === 'FileDownloaded'));
    const download = readEvents(ferry.dataDir).find((event) => event.type === 'FileDownloaded');
    expect(download?.payload).toMatchObject({ bytes: received.length, complete: false });
  });

  it('refuses a restore whose bytes the store cannot look for with STORAGE_FAILED', async () => {
    const client = await ferry.connect();
    await client.upload('kept.bin', chunksOf(Buffer.from('one')), 3);
    await client.upload('kept.bin', chunksOf(Buffer.from('two')), 3);
    store.inject('has', { error: 'EIO', times: 1 });
    await expect(client.restore('kept.bin', 1)).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    expect(await client.restore('kept.bin', 1)).toMatchObject({ version: 3 });
    await client.logout();
    expect(refusals().map((event) => event.payload)).toEqual([
      expect.objectContaining({ command: 'RESTORE', code: 'STORAGE_FAILED' }),
    ]);
  });

  it('records a cut resumable upload whose bytes cannot be held as refused, not as held', async () => {
    store.inject('hold', { error: 'EIO' });
    const socket = connect(ferry.address.port, ferry.address.host);
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    socket.write(`UPLOAD cut.bin ${body.length} upload=u1\n`);
    socket.write(body.subarray(0, 1024 * 1024));
    await until(() => store.struck('hold') === 0 && temporariesOrHeld(ferry.dataDir) > 0);
    socket.destroy();
    await until(() => refusals().length === 1);
    expect(refusals()[0].payload).toMatchObject({ command: 'UPLOAD', code: 'STORAGE_FAILED', upload: 'u1' });
    expect(readEvents(ferry.dataDir).some((event) => event.type === 'UploadInterrupted')).toBe(false);
    const client = await ferry.connect();
    await expect(client.offset('u1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await client.logout();
  });

  it('keeps serving other clients while one upload waits on a slow store', async () => {
    store.inject('write', { delayMs: 1500, after: 3, times: 1 });
    const slow = await ferry.connect();
    let slowDone = 0;
    const slowUpload = slow.upload('slow.bin', chunksOf(body), body.length).then((stored) => {
      slowDone = Date.now();
      return stored;
    });
    await until(() => store.struck('write') === 1);
    const other = await ferry.connect();
    const small = Buffer.from('small');
    await other.upload('small.txt', chunksOf(small), small.length);
    const listed = await other.list();
    const fetched = collector();
    await other.download('small.txt', fetched.sink);
    const otherDone = Date.now();
    await other.logout();
    expect(listed.map((file) => file.name)).toEqual(['small.txt']);
    expect(fetched.bytes().toString()).toBe('small');
    expect(await slowUpload).toMatchObject({ version: 1, size: body.length });
    expect(otherDone).toBeLessThan(slowDone);
    await slow.logout();
  });
});

function temporariesOrHeld(dataDir: string): number {
  return readdirSync(dataDir, { recursive: true, encoding: 'utf8' }).filter(
    (path) => path.startsWith('tmp/') || path.startsWith('held/'),
  ).length;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
