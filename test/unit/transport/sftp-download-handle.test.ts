import { DownloadTransfer } from '../../../src/app/handlers/download-file.handler';
import { FileVersion } from '../../../src/domain/file-versions';
import { STATUS } from '../../../src/transport/sftp/sftp-attributes';
import { DownloadHandle } from '../../../src/transport/sftp/download-handle';
import { MAX_READ } from '../../../src/transport/sftp/sftp-limits';

const CHUNK = 100;

/** A version's bytes streamed in CHUNK-byte chunks, from any offset; counts the streams opened. */
class ChunkedTransfer implements DownloadTransfer {
  readonly file: FileVersion;
  readonly opened: number[] = [];
  readonly finished: [number, number | undefined][] = [];

  constructor(readonly bytes: Buffer) {
    this.file = { name: 'f', version: 1, sha256: 'x', size: bytes.length, at: '', actor: 'a', seq: 1 };
  }

  get body(): AsyncIterable<Uint8Array> {
    return this.from(0);
  }

  get length(): number {
    return this.bytes.length;
  }

  async *from(start: number): AsyncIterable<Uint8Array> {
    this.opened.push(start);
    for (let at = start; at < this.bytes.length; at += CHUNK) yield this.bytes.subarray(at, at + CHUNK);
  }

  async finish(bytesSent: number, from?: number): Promise<void> {
    this.finished.push([bytesSent, from]);
  }
}

const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));

/** A READ whose reply went to the client. */
async function read(handle: DownloadHandle, offset: number, length: number): Promise<Buffer> {
  const data = await handle.read(offset, length);
  if (!Array.isArray(data)) throw new Error(`status ${data.code}: ${data.message}`);
  const bytes = Buffer.concat(data);
  handle.went(offset, offset + bytes.length);
  return bytes;
}

describe('an SFTP download handle serves READs from one stream of chunks', () => {
  test('reads in order, across chunk boundaries, come from one stream; close records the whole file', async () => {
    const transfer = new ChunkedTransfer(bytes);
    const handle = new DownloadHandle(transfer);
    for (let at = 0; at < bytes.length; at += 64) {
      expect((await read(handle, at, 64)).equals(bytes.subarray(at, at + 64))).toBe(true);
    }
    expect(await handle.read(bytes.length, 64)).toEqual({ code: STATUS.EOF, message: 'end of file' });
    await handle.close();
    expect(transfer.opened).toEqual([0]);
    expect(transfer.finished).toEqual([[bytes.length, 0]]);
  });

  test('a read within the chunk in hand or a little ahead keeps the stream; behind it or far ahead reopens it', async () => {
    const transfer = new ChunkedTransfer(Buffer.concat(Array(200).fill(bytes)));
    const handle = new DownloadHandle(transfer);
    const all = transfer.bytes;
    expect((await read(handle, 250, 30)).equals(all.subarray(250, 280))).toBe(true);
    expect((await read(handle, 210, 10)).equals(all.subarray(210, 220))).toBe(true);
    expect((await read(handle, 90, 20)).equals(all.subarray(90, 110))).toBe(true);
    expect(transfer.opened).toEqual([0, 90]);
    expect((await read(handle, 1_500_000, 50)).equals(all.subarray(1_500_000, 1_500_050))).toBe(true);
    expect(transfer.opened).toEqual([0, 90, 1_500_000]);
    await handle.close();
    expect(transfer.finished).toEqual([[1_500_050 - 90, 90]]);
  });

  test('a read is views of the chunks that hold it, never a copy', async () => {
    const transfer = new ChunkedTransfer(bytes);
    const handle = new DownloadHandle(transfer);
    const pieces = await handle.read(150, 100);
    if (!Array.isArray(pieces)) throw new Error('a status');
    expect(pieces.map((piece) => [piece.byteOffset, piece.length])).toEqual([
      [bytes.byteOffset + 150, 50],
      [bytes.byteOffset + 200, 50],
    ]);
    for (const piece of pieces) expect(piece.buffer).toBe(bytes.buffer);
  });

  test('at most MAX_READ bytes a READ, and short at the end of the file', async () => {
    const big = Buffer.concat(Array(60).fill(bytes));
    const handle = new DownloadHandle(new ChunkedTransfer(big));
    expect(await read(handle, 0, 2 * MAX_READ)).toHaveLength(MAX_READ);
    expect((await read(handle, big.length - 10, 64)).equals(big.subarray(big.length - 10))).toBe(true);
  });

  test('reget: the first read far into the file opens the stream there, and the event says from where', async () => {
    const big = new ChunkedTransfer(Buffer.concat(Array(300).fill(bytes)));
    const resumed = new DownloadHandle(big);
    expect((await read(resumed, 2_000_000, 10)).equals(big.bytes.subarray(2_000_000, 2_000_010))).toBe(true);
    expect(big.opened).toEqual([2_000_000]);
    await resumed.close();
    expect(big.finished).toEqual([[10, 2_000_000]]);
  });

  test('bytes read but never sent are not recorded as sent', async () => {
    const transfer = new ChunkedTransfer(bytes);
    const handle = new DownloadHandle(transfer);
    await read(handle, 0, 100);
    expect(Array.isArray(await handle.read(100, 100))).toBe(true);
    await handle.close();
    expect(transfer.finished).toEqual([[100, 0]]);
  });

  test('a file closed without a read is recorded once, with nothing sent', async () => {
    const transfer = new ChunkedTransfer(bytes);
    const handle = new DownloadHandle(transfer);
    await handle.close();
    await handle.close();
    expect(transfer.finished).toEqual([[0, 0]]);
  });
});
