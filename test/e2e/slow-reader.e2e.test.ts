import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import { readEvents } from '../support/audit-db';
import { RawConnection } from '../support/raw-connection';
import { serverPerSuite, TestServer } from '../support/test-server';
import { FrameDecoder } from '../../src/transport/codec/frame-decoder';

/*
 * A peer that pipelines requests and never reads must cost the server a bounded amount of memory: replies
 * wait for the socket to drain, and while too many wait the server stops reading requests. The server runs
 * in this process, so its memory is this process's memory.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MiB = 1024 * 1024;

function memory(): { rss: number; heapUsed: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

function count(ferry: TestServer, type: string): number {
  return readEvents(ferry.dataDir).filter((row) => row.type === type).length;
}

/** Waits until the number of `type` events stops changing for `quietMs`, i.e. the server stopped. */
async function settledCount(ferry: TestServer, type: string, quietMs = 500): Promise<number> {
  let last = -1;
  let current = count(ferry, type);
  while (current !== last) {
    last = current;
    await sleep(quietMs);
    await ferry.app.ledger.drain();
    current = count(ferry, type);
  }
  return current;
}

/** A socket connected and never read from: everything the server sends waits in the network. */
async function pausedSocket(ferry: TestServer): Promise<Socket> {
  const socket = connect(ferry.address.port, ferry.address.host);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.pause();
  return socket;
}

describe('a peer that pipelines requests and does not read its replies', () => {
  const ferry = serverPerSuite();

  it('stops being read while its replies wait, keeps memory bounded, and gets every reply in order once it reads', async () => {
    // 30 files with long names: each LIST reply is about 22 KB, so 20,000 of them are about 450 MB (a
    // server that queued them all grew by about that much; reading them all back stays quick).
    const FILES = 30;
    const LISTS = 20_000;
    const uploader = await RawConnection.open(ferry.address);
    const names = Array.from(
      { length: FILES },
      (_, i) => `listed/${String(i).padStart(4, '0')}-${'n'.repeat(600)}`,
    );
    uploader.send(names.map((name) => `UPLOAD ${name} 1\nx`).join(''));
    const uploaded = await uploader.lines(FILES);
    expect(uploaded.every((line) => line.startsWith('OK version=1 size=1 '))).toBe(true);
    uploader.send('LIST\n');
    const [header] = await uploader.lines(1);
    expect(header).toBe(`OK count=${FILES}`);
    const replyLines = await uploader.lines(FILES);
    const replyBytes = replyLines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, header.length + 1);
    expect(replyBytes).toBeGreaterThan(20_000);
    uploader.destroy();
    await ferry.app.ledger.drain();
    const listedBefore = count(ferry, 'FilesListed');

    const before = memory();
    const socket = await pausedSocket(ferry);
    socket.write('LIST\n'.repeat(LISTS));
    socket.write(`STAT ${names[7]}\nLOGOUT\n`);
    const listedWhilePaused = (await settledCount(ferry, 'FilesListed')) - listedBefore;
    const paused = memory();
    // Still nothing more after a while: the server is not reading.
    await sleep(500);
    await ferry.app.ledger.drain();
    expect(count(ferry, 'FilesListed') - listedBefore).toBe(listedWhilePaused);
    expect(listedWhilePaused).toBeLessThan(LISTS / 10);
    expect(paused.rss - before.rss).toBeLessThan(100 * MiB);

    // Now read: every reply, in order, the last two being the STAT and the goodbye.
    const replies: string[] = [];
    let listLinesOwed = 0;
    let listsSeen = 0;
    const done = new Promise<void>((resolve, reject) => {
      const decoder = new FrameDecoder({
        line: (bytes) => {
          if (listLinesOwed > 0) {
            listLinesOwed--;
            return;
          }
          const text = bytes.toString('utf8');
          if (text === `OK count=${FILES}` && listsSeen < LISTS) {
            listsSeen++;
            listLinesOwed = FILES;
          } else replies.push(text);
        },
        body: () => reject(new Error('no body expected')),
        bodyEnd: () => undefined,
        lineTooLong: () => reject(new Error('line too long')),
      });
      decoder.on('finish', resolve);
      decoder.on('error', reject);
      socket.pipe(decoder);
    });
    socket.resume();
    await done;
    expect(listsSeen).toBe(LISTS);
    expect(replies).toEqual([
      expect.stringMatching(/^OK ferry\/1 /),
      expect.stringMatching(new RegExp(`^OK ${names[7]} version=1 size=1 `)),
      'OK bye',
    ]);
    await ferry.app.ledger.drain();
    expect(count(ferry, 'FilesListed') - listedBefore).toBe(LISTS);
  });

  it('is sent a download only as fast as it takes it: the server does not buffer the file', async () => {
    const SIZE = 64 * MiB;
    const chunk = Buffer.alloc(MiB);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 0xff;
    const expected = createHash('sha256');
    for (let sent = 0; sent < SIZE; sent += chunk.length) expected.update(chunk);
    const sha256 = expected.digest('hex');
    const client = await ferry.connect();
    await client.upload(
      'big.bin',
      (async function* () {
        for (let sent = 0; sent < SIZE; sent += chunk.length) yield chunk;
      })(),
      SIZE,
      { sha256 },
    );
    await client.logout();
    await ferry.app.ledger.drain();
    const downloadsBefore = count(ferry, 'FileDownloaded');

    const before = memory();
    const socket = await pausedSocket(ferry);
    socket.write('DOWNLOAD big.bin\n');
    await sleep(1000);
    const paused = memory();
    await ferry.app.ledger.drain();
    // The download is not over (it is recorded when it ends) and little of it was read from disk.
    expect(count(ferry, 'FileDownloaded')).toBe(downloadsBefore);
    expect(paused.rss - before.rss).toBeLessThan(32 * MiB);

    // Now read it all: the bytes are whole, and the connection goes on.
    const received = createHash('sha256');
    let bodyBytes = 0;
    const lines: string[] = [];
    const decoder = new FrameDecoder({
      line: (bytes) => {
        const text = bytes.toString('utf8');
        lines.push(text);
        const size = /^OK size=(\d+) /.exec(text);
        if (size) decoder.expectBody(Number(size[1]));
      },
      body: (piece) => {
        bodyBytes += piece.length;
        received.update(piece);
      },
      bodyEnd: () => {
        socket.write('LOGOUT\n');
      },
      lineTooLong: () => undefined,
    });
    const finished = once(decoder, 'finish');
    socket.pipe(decoder);
    socket.resume();
    await finished;
    expect(bodyBytes).toBe(SIZE);
    expect(received.digest('hex')).toBe(sha256);
    expect(lines).toEqual([
      expect.stringMatching(/^OK ferry\/1 /),
      expect.stringMatching(new RegExp(`^OK size=${SIZE} version=1 sha256=${sha256}$`)),
      'OK bye',
    ]);
    await ferry.app.ledger.drain();
    expect(count(ferry, 'FileDownloaded')).toBe(downloadsBefore + 1);
  });

  it('gets a download read in fits and starts byte for byte: no buffer is read into again before it went', async () => {
    // Random bytes: a chunk overwritten by a later read while still waiting in the socket cannot match.
    const content = randomBytes(8 * MiB + 12_345);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const client = await ferry.connect();
    await client.upload(
      'random.bin',
      (async function* () {
        yield content;
      })(),
      content.length,
      { sha256 },
    );
    await client.logout();

    const socket = connect(ferry.address.port, ferry.address.host);
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    const received: Buffer[] = [];
    socket.on('data', (piece: Buffer) => {
      received.push(piece);
      // Each piece read, the reader stops for a moment, so the server's writes queue in its socket.
      socket.pause();
      setTimeout(() => socket.resume(), 2);
    });
    socket.write('DOWNLOAD random.bin\nLOGOUT\n');
    await once(socket, 'close');
    const all = Buffer.concat(received);
    const greeting = all.indexOf(0x0a) + 1;
    const header = all.indexOf(0x0a, greeting) + 1;
    expect(all.subarray(greeting, header).toString()).toMatch(
      `OK size=${content.length} version=1 sha256=${sha256}`,
    );
    const body = all.subarray(header, header + content.length);
    expect(body.equals(content)).toBe(true);
    expect(all.subarray(header + content.length).toString()).toBe('OK bye\n');
  });
});
