import { DEFAULT_UPLOAD_LIMITS } from '../../src/app/upload-limits';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { FileName } from '../../src/domain/names';
import { HeldBlobWriter, StoreError } from '../../src/domain/ports/file-store.port';
import { MemoryEventLog } from '../../src/infra/memory-event-log';
import { MemoryFileStore } from '../../src/infra/storage/memory-file-store';
import { FerryClient } from '../../src/transport/client/ferry-client';
import { addAccount, logIn, PASSWORD } from '../support/accounts';
import { readEvents } from '../support/audit-db';
import { CuttingProxy } from '../support/cutting-proxy';
import { RawConnection } from '../support/raw-connection';
import { chunksOf, collector, randomFile, sha256 } from '../support/streams';
import { serverPerTest, startTestServer, removeDir } from '../support/test-server';

const FILE_SIZE = 3 * 1024 * 1024 + 17;

/** Polls until the server has recorded the interruption of `upload` (it sees the cut a moment later). */
async function heldOffset(client: FerryClient, upload: string, dataDir: string): Promise<number> {
  // Once the server has seen the cut and recorded it: asked before, OFFSET would interrupt the attempt
  // itself, possibly before the last bytes on their way were read (tested on its own below).
  const deadline = Date.now() + 5000;
  while (
    !readEvents(dataDir).some(
      (event) => event.type === 'UploadInterrupted' && event.payload.upload === upload,
    )
  ) {
    if (Date.now() > deadline) throw new Error(`upload ${upload} was never recorded as interrupted`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return (await client.offset(upload)).offset;
}

/**
 * One resumable attempt of `name` through `proxy`, which cuts it: the attempt fails, and its connection is
 * gone. Extra upload options (a trailer) may be given.
 */
async function cutUpload(
  proxy: CuttingProxy,
  name: string,
  bytes: Buffer,
  upload: string,
  options: { trailer?: () => string } = {},
): Promise<void> {
  const first = await FerryClient.connect(proxy.address);
  await expect(
    first.upload(name, chunksOf(bytes), bytes.length, { resume: { upload, offset: 0 }, ...options }),
  ).rejects.toThrow();
  first.destroy();
}

async function downloaded(client: FerryClient, name: string): Promise<Buffer> {
  const out = collector();
  await client.download(name, out.sink);
  return out.bytes();
}

describe('resumable uploads over the native protocol, cut by a proxy', () => {
  const servers = serverPerTest();

  it.each([
    ['in the header line', 10],
    ['just after the header line', 0],
    ['one byte into the body', 1],
    ['half way', Math.floor(FILE_SIZE / 2)],
    ['one byte short of the end', FILE_SIZE - 1],
  ])('continues an upload cut %s, sending only the rest, and publishes it whole', async (_, intoBody) => {
    const bytes = randomFile(FILE_SIZE);
    const header = `UPLOAD big.bin ${FILE_SIZE} upload=u-1 offset=0 sha256=${sha256(bytes)}\n`;
    // The cut counts from the connection's first byte: the client's LOGIN-less session sends the header first.
    const cutAt = intoBody === 10 ? 10 : Buffer.byteLength(header) + intoBody;
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ cutUpAfter: cutAt }]);
    try {
      const first = await FerryClient.connect(proxy.address);
      const cut = first.upload('big.bin', chunksOf(bytes), FILE_SIZE, {
        sha256: sha256(bytes),
        resume: { upload: 'u-1', offset: 0 },
      });
      await expect(cut).rejects.toThrow();
      first.destroy();

      const client = await servers.ferry.connect();
      const expectedHeld = intoBody === 10 ? undefined : intoBody;
      if (expectedHeld === undefined) {
        // A header cut short is no request at all: nothing is held, and the upload starts at 0.
        await expect(client.offset('u-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      } else {
        expect(await heldOffset(client, 'u-1', servers.ferry.dataDir)).toBe(expectedHeld);
      }
      const offset = expectedHeld ?? 0;
      const stored = await client.upload('big.bin', chunksOf(bytes.subarray(offset)), FILE_SIZE, {
        sha256: sha256(bytes),
        resume: { upload: 'u-1', offset },
      });
      expect(stored).toMatchObject({ version: 1, size: FILE_SIZE, sha256: sha256(bytes) });
      expect((await downloaded(client, 'big.bin')).equals(bytes)).toBe(true);
      await expect(client.offset('u-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await client.logout();

      const events = readEvents(servers.ferry.dataDir);
      const uploads = events.filter((event) => event.type === 'FileUploaded');
      expect(uploads).toHaveLength(1);
      expect(uploads[0].payload.upload).toEqual({ id: 'u-1', from: offset });
      if (expectedHeld !== undefined) {
        const interrupted = events.filter((event) => event.type === 'UploadInterrupted');
        expect(interrupted.map((event) => event.payload)).toEqual([
          {
            name: 'big.bin',
            upload: 'u-1',
            from: 0,
            bytes: expectedHeld,
            held: expectedHeld,
            size: FILE_SIZE,
          },
        ]);
      }
      expect(readdirSync(join(servers.ferry.dataDir, 'held'))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('a resume after a cut at half way sends only the remaining half on the wire', async () => {
    const bytes = randomFile(8 * 1024 * 1024);
    const header = `UPLOAD half.bin ${bytes.length} upload=h offset=0\n`;
    const half = bytes.length / 2;
    const proxy = await CuttingProxy.start(servers.ferry.address, [
      { cutUpAfter: Buffer.byteLength(header) + half },
      {},
    ]);
    try {
      await cutUpload(proxy, 'half.bin', bytes, 'h');
      const sentBefore = proxy.up;
      const second = await FerryClient.connect(proxy.address);
      const offset = await heldOffset(second, 'h', servers.ferry.dataDir);
      expect(offset).toBe(half);
      await second.upload('half.bin', chunksOf(bytes.subarray(offset)), bytes.length, {
        resume: { upload: 'h', offset },
      });
      const resent = proxy.up - sentBefore;
      expect(resent).toBeGreaterThanOrEqual(half);
      expect(resent).toBeLessThan(half + 1024);
      expect((await downloaded(second, 'half.bin')).equals(bytes)).toBe(true);
      await second.logout();
    } finally {
      await proxy.close();
    }
  });

  it('a cut between the body and its trailing checksum holds every byte: the next attempt sends only the trailer', async () => {
    const bytes = randomFile(500_000);
    const header = `UPLOAD whole.bin ${bytes.length} upload=w offset=0 trailer=sha256\n`;
    const proxy = await CuttingProxy.start(servers.ferry.address, [
      { cutUpAfter: Buffer.byteLength(header) + bytes.length },
    ]);
    try {
      await cutUpload(proxy, 'whole.bin', bytes, 'w', { trailer: () => sha256(bytes) });
    } finally {
      await proxy.close();
    }
    const client = await servers.ferry.connect();
    expect(await heldOffset(client, 'w', servers.ferry.dataDir)).toBe(bytes.length);
    const stored = await client.upload('whole.bin', chunksOf(Buffer.alloc(0)), bytes.length, {
      resume: { upload: 'w', offset: bytes.length },
      trailer: () => sha256(bytes),
    });
    expect(stored).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    await client.logout();
  });

  it("refuses an offset that is not where the held bytes end, and a name that is not the upload's", async () => {
    const bytes = randomFile(100_000);
    const client = await servers.ferry.connect();
    await expect(client.offset('nothing-held')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ cutUpAfter: 200 }]);
    try {
      await cutUpload(proxy, 'a.bin', bytes, 'r');
    } finally {
      await proxy.close();
    }
    const held = await heldOffset(client, 'r', servers.ferry.dataDir);
    expect(held).toBeGreaterThan(0);
    const rest = (offset: number, name = 'a.bin') =>
      client.upload(name, chunksOf(bytes.subarray(offset)), bytes.length, {
        resume: { upload: 'r', offset },
      });
    await expect(rest(held + 1)).rejects.toMatchObject({
      code: 'OFFSET_MISMATCH',
      message: `upload r holds ${held} bytes, not ${held + 1}`,
    });
    await expect(rest(held, 'b.bin')).rejects.toMatchObject({ code: 'CONFLICT' });
    // Refusals before the body keep the held bytes.
    expect((await client.offset('r')).offset).toBe(held);
    expect(await rest(held)).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    await client.logout();
  });

  it('offset 0 starts afresh, dropping what was held; a checksum mismatch at the end drops it too', async () => {
    const bytes = randomFile(200_000);
    const other = randomFile(200_000);
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ cutUpAfter: 50_000 }]);
    const client = await servers.ferry.connect();
    try {
      await cutUpload(proxy, 'f.bin', other, 'z');
      const held = await heldOffset(client, 'z', servers.ferry.dataDir);
      // The rest of a different file: the whole hashes to neither, and nothing is published.
      await expect(
        client.upload('f.bin', chunksOf(bytes.subarray(held)), bytes.length, {
          sha256: sha256(bytes),
          resume: { upload: 'z', offset: held },
        }),
      ).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
      await expect(client.offset('z')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(client.stat('f.bin')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const rejected = readEvents(servers.ferry.dataDir).filter((event) => event.type === 'CommandRejected');
      const refusedUploads = rejected.filter((event) => event.payload.command === 'UPLOAD');
      expect(refusedUploads).toHaveLength(1);
      expect(refusedUploads[0].payload).toMatchObject({
        command: 'UPLOAD',
        code: 'CHECKSUM_MISMATCH',
        upload: 'z',
      });
      expect(
        await client.upload('f.bin', chunksOf(bytes), bytes.length, { resume: { upload: 'z', offset: 0 } }),
      ).toMatchObject({ sha256: sha256(bytes) });
      await client.logout();
    } finally {
      await proxy.close();
    }
  });

  it('OFFSET and a new attempt take over one whose cut the server has not seen: its bytes are held, then continued', async () => {
    const bytes = randomFile(2 * 1024 * 1024);
    const half = bytes.subarray(0, 1024 * 1024);
    // An attempt that sends half its body and then nothing: to the server, a link gone quiet.
    async function* halfThenSilence(): AsyncIterable<Uint8Array> {
      yield half;
      await new Promise(() => undefined);
    }
    const quiet = async (upload: string) => {
      const stalled = await servers.ferry.connect();
      void stalled
        .upload(`${upload}.bin`, halfThenSilence(), bytes.length, { resume: { upload, offset: 0 } })
        .catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return stalled;
    };
    const client = await servers.ferry.connect();
    // Asking where to continue interrupts the quiet attempt, which holds what it got.
    const first = await quiet('t');
    expect(await client.offset('t')).toEqual({ offset: half.length, name: 't.bin' });
    expect(
      await client.upload('t.bin', chunksOf(bytes.subarray(half.length)), bytes.length, {
        resume: { upload: 't', offset: half.length },
      }),
    ).toMatchObject({ sha256: sha256(bytes) });
    // So does an UPLOAD without asking: afresh at offset 0 here, after the quiet attempt is recorded.
    const second = await quiet('u');
    expect(
      await client.upload('u.bin', chunksOf(bytes), bytes.length, { resume: { upload: 'u', offset: 0 } }),
    ).toMatchObject({ sha256: sha256(bytes) });
    const interrupted = readEvents(servers.ferry.dataDir)
      .filter((event) => event.type === 'UploadInterrupted')
      .map((event) => event.payload);
    expect(interrupted).toEqual([
      { name: 't.bin', upload: 't', from: 0, bytes: half.length, held: half.length, size: bytes.length },
      { name: 'u.bin', upload: 'u', from: 0, bytes: half.length, held: half.length, size: bytes.length },
    ]);
    first.destroy();
    second.destroy();
    await client.logout();
  });

  it('keeps held bytes across a restart, and drops bytes no event accounts for', async () => {
    const bytes = randomFile(300_000);
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ cutUpAfter: 100_000 }]);
    try {
      await cutUpload(proxy, 'k.bin', bytes, 'k');
    } finally {
      await proxy.close();
    }
    const before = await servers.ferry.connect();
    const held = await heldOffset(before, 'k', servers.ferry.dataDir);
    await before.logout();
    const heldDir = join(servers.ferry.dataDir, 'held');
    expect(readdirSync(heldDir)).toHaveLength(1);
    const server = await servers.restart();
    expect(readdirSync(heldDir)).toHaveLength(1);
    const client = await server.connect();
    expect((await client.offset('k')).offset).toBe(held);
    await client.upload('k.bin', chunksOf(bytes.subarray(held)), bytes.length, {
      resume: { upload: 'k', offset: held },
    });
    expect((await downloaded(client, 'k.bin')).equals(bytes)).toBe(true);
    await client.logout();
    expect(existsSync(heldDir) && readdirSync(heldDir)).toEqual([]);
  });

  it("counts held bytes against the account's quota, but not against their own upload's continuation", async () => {
    await addAccount(servers.ferry.app, 'root', 'admin');
    await addAccount(servers.ferry.app, 'quinn', 'write');
    const root = await logIn(servers.ferry, 'root');
    await root.changeUser('QUOTA', 'quinn', { options: { bytes: '400000' } });
    await root.logout();
    const bytes = randomFile(300_000);
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ cutUpAfter: 250_000 }]);
    try {
      const first = await FerryClient.connect(proxy.address);
      await first.login('quinn', PASSWORD);
      await expect(
        first.upload('q.bin', chunksOf(bytes), bytes.length, { resume: { upload: 'q', offset: 0 } }),
      ).rejects.toThrow();
      first.destroy();
    } finally {
      await proxy.close();
    }
    const quinn = await logIn(servers.ferry, 'quinn');
    const held = await heldOffset(quinn, 'q', servers.ferry.dataDir);
    expect(held).toBeGreaterThan(200_000);
    // 200,000 more would fit the quota alone, not with the held bytes.
    const other = randomFile(200_000);
    await expect(quinn.upload('other.bin', chunksOf(other), other.length)).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
    });
    expect(
      await quinn.upload('q.bin', chunksOf(bytes.subarray(held)), bytes.length, {
        resume: { upload: 'q', offset: held },
      }),
    ).toMatchObject({ size: bytes.length });
    await quinn.logout();
  });

  it('bytes held in the log but gone from the store: refused at once, the upload dropped, the next starts at 0', async () => {
    const bytes = randomFile(300_000);
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ cutUpAfter: 100_000 }]);
    try {
      await cutUpload(proxy, 'g.bin', bytes, 'g');
    } finally {
      await proxy.close();
    }
    const client = await servers.ferry.connect();
    const held = await heldOffset(client, 'g', servers.ferry.dataDir);
    const heldDir = join(servers.ferry.dataDir, 'held');
    for (const file of readdirSync(heldDir)) rmSync(join(heldDir, file));
    await expect(
      client.upload('g.bin', chunksOf(bytes.subarray(held)), bytes.length, {
        resume: { upload: 'g', offset: held },
      }),
    ).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
      message: 'the bytes held for upload g are gone: start it again at offset 0',
    });
    await expect(client.offset('g')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(
      await client.upload('g.bin', chunksOf(bytes), bytes.length, { resume: { upload: 'g', offset: 0 } }),
    ).toMatchObject({ sha256: sha256(bytes) });
    await client.logout();
  });

  it('OFFSET needs the write role, like UPLOAD', async () => {
    await addAccount(servers.ferry.app, 'reader', 'read');
    const reader = await logIn(servers.ferry, 'reader');
    await expect(reader.offset('any')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await reader.logout();
    const refused = readEvents(servers.ferry.dataDir).filter((event) => event.type === 'CommandRejected');
    expect(refused.map((event) => [event.actor, event.payload.command, event.payload.code])).toEqual([
      ['reader', 'OFFSET', 'FORBIDDEN'],
    ]);
  });

  it('two attempts of one upload starting at once: one goes on, the other is refused with CONFLICT', async () => {
    const origin = { actor: 'anonymous', session: 's-1', remote: '127.0.0.1:1' };
    const request = { name: 'c.bin' as FileName, size: 3, resume: { upload: 'c', offset: 0 } };
    const attempts = await Promise.all([
      servers.ferry.app.handlers.upload.begin(origin, request),
      servers.ferry.app.handlers.upload.begin(origin, request),
    ]);
    // Which of the two gets there first is not ours to say; that exactly one does is.
    const going = attempts.filter((attempt) => !attempt.refused);
    const refused = attempts.filter((attempt) => attempt.refused);
    expect([going.length, refused.length]).toEqual([1, 1]);
    await expect(refused[0].finish()).resolves.toMatchObject({
      ok: false,
      error: { code: 'CONFLICT', message: 'another attempt of upload c is starting' },
    });
    await going[0].write(Buffer.from('abc'));
    await expect(going[0].finish()).resolves.toMatchObject({ ok: true });
  });

  it('a store that cannot keep the bytes of a cut upload: refused with STORAGE_FAILED, nothing held (memory storage)', async () => {
    /** Memory storage whose held writers fail to hold. */
    class UnholdingStore extends MemoryFileStore {
      override async beginHeld(id: string, keep: number): Promise<HeldBlobWriter> {
        const writer = await super.beginHeld(id, keep);
        writer.hold = () => Promise.reject(new StoreError('io', 'disk gone'));
        return writer;
      }
    }
    const eventLog = new MemoryEventLog();
    const server = await startTestServer({
      store: 'memory',
      overrides: { fileStore: new UnholdingStore(), eventLog },
    });
    try {
      const origin = { actor: 'anonymous', session: 's-1', remote: '127.0.0.1:1' };
      const request = { name: 'h.bin' as FileName, size: 10, resume: { upload: 'h', offset: 0 } };
      const transfer = await server.app.handlers.upload.begin(origin, request);
      await transfer.write(Buffer.from('half'));
      await transfer.abort(4);
      await server.app.ledger.drain();
      const events = [];
      for await (const event of eventLog.read()) events.push(event);
      expect(
        events.filter((event) => event.type.startsWith('Upload') || event.type === 'CommandRejected'),
      ).toEqual([
        expect.objectContaining({
          type: 'CommandRejected',
          payload: {
            command: 'UPLOAD',
            name: 'h.bin',
            code: 'STORAGE_FAILED',
            message: 'storage failed while keeping the bytes received',
            upload: 'h',
          },
        }),
      ]);
      expect(server.app.ledger.catalogue.heldUploads.all()).toEqual([]);
      const client = await server.connect();
      await expect(client.offset('h')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await client.logout();
    } finally {
      await server.stop();
      removeDir(server.dataDir);
    }
  });

  it('expires held uploads after the configured hours, in one audited event', async () => {
    let now = Date.parse('2026-11-30T00:00:00.000Z');
    const server = await startTestServer({
      overrides: { clock: { now: () => new Date(now) } },
      config: { uploads: { ...DEFAULT_UPLOAD_LIMITS, heldHours: 2 } },
    });
    try {
      const proxy = await CuttingProxy.start(server.address, [{ cutUpAfter: 5000 }]);
      await cutUpload(proxy, 'e.bin', randomFile(20_000), 'e');
      await proxy.close();
      const client = await server.connect();
      const held = await heldOffset(client, 'e', server.dataDir);
      now += 2 * 60 * 60 * 1000 - 1000;
      await server.app.upkeep();
      expect((await client.offset('e')).offset).toBe(held);
      now += 2000;
      await server.app.upkeep();
      await expect(client.offset('e')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await client.logout();
      expect(readdirSync(join(server.dataDir, 'held'))).toEqual([]);
      const expired = readEvents(server.dataDir).filter((event) => event.type === 'UploadsExpired');
      expect(expired.map((event) => [event.actor, event.payload])).toEqual([
        ['system:ferry', { hours: 2, uploads: [{ actor: 'anonymous', upload: 'e', name: 'e.bin', held }] }],
      ]);
    } finally {
      await server.stop();
      removeDir(server.dataDir);
    }
  });
});

describe('DOWNLOAD with an offset and a range', () => {
  const servers = serverPerTest();

  it('sends the bytes from offset=, at most length= of them, says so in the reply, and records the span', async () => {
    const client = await servers.ferry.connect();
    const bytes = Buffer.from('abcdefghij');
    await client.upload('r.txt', chunksOf(bytes), bytes.length);
    await client.logout();
    const raw = await RawConnection.open(servers.ferry.address);
    const fields = `size=10 version=1 sha256=${sha256(bytes)}`;
    raw.send('DOWNLOAD r.txt offset=2 length=3\n');
    expect(await raw.lines(1)).toEqual([`OK ${fields} offset=2 length=3`]);
    expect((await raw.bytes(3)).toString()).toBe('cde');
    raw.send('DOWNLOAD r.txt offset=8 length=5\n');
    expect(await raw.lines(1)).toEqual([`OK ${fields} offset=8 length=2`]);
    expect((await raw.bytes(2)).toString()).toBe('ij');
    raw.send('DOWNLOAD r.txt offset=7\n');
    expect(await raw.lines(1)).toEqual([`OK ${fields} offset=7`]);
    expect((await raw.bytes(3)).toString()).toBe('hij');
    raw.send('DOWNLOAD r.txt offset=10\nDOWNLOAD r.txt offset=11\nDOWNLOAD r.txt offset=x\n');
    expect(await raw.lines(3)).toEqual([
      `OK ${fields} offset=10`,
      'ERR BAD_REQUEST offset 11 is past the end of r.txt (10 bytes)',
      'ERR BAD_REQUEST bad value for offset: "x"',
    ]);
    raw.socket.destroy();
    await servers.ferry.app.ledger.drain();
    const spans = readEvents(servers.ferry.dataDir)
      .filter((event) => event.type === 'FileDownloaded')
      .map((event) => event.payload);
    expect(spans.map(({ from, bytes: sent, complete }) => ({ from, sent, complete }))).toEqual([
      { from: 2, sent: 3, complete: false },
      { from: 8, sent: 2, complete: true },
      { from: 7, sent: 3, complete: true },
      { from: 10, sent: 0, complete: true },
    ]);
  });

  it.each([1, 1024 * 1024, 3 * 1024 * 1024 - 1])(
    'a download cut after %i body bytes continues from what arrived, and the whole file checks out',
    async (cutAfter) => {
      const bytes = randomFile(3 * 1024 * 1024);
      const client = await servers.ferry.connect();
      await client.upload('d.bin', chunksOf(bytes), bytes.length);
      // The greeting and the reply line come before the body; the cut counts them too.
      const greeting = await greetingLength(servers.ferry.address);
      const header = `OK size=${bytes.length} version=1 sha256=${sha256(bytes)}\n`;
      const proxy = await CuttingProxy.start(servers.ferry.address, [
        { cutDownAfter: greeting + Buffer.byteLength(header) + cutAfter },
      ]);
      try {
        const viaProxy = await FerryClient.connect(proxy.address);
        const received = collector();
        await expect(viaProxy.download('d.bin', received.sink)).rejects.toThrow();
        const part = received.bytes();
        expect(part.length).toBe(cutAfter);
        const hash = createHash('sha256').update(part);
        const rest = collector();
        await client.download('d.bin', rest.sink, { resume: { offset: part.length, hash } });
        expect(Buffer.concat([part, rest.bytes()]).equals(bytes)).toBe(true);
        await client.logout();
      } finally {
        await proxy.close();
      }
    },
  );
});

/** The length of the server's greeting line, which is the same for every session. */
async function greetingLength(address: { host: string; port: number }): Promise<number> {
  const socket = connect(address.port, address.host);
  let received = '';
  for await (const chunk of socket) {
    received += (chunk as Buffer).toString('latin1');
    if (received.includes('\n')) break;
  }
  socket.destroy();
  return received.indexOf('\n') + 1;
}
