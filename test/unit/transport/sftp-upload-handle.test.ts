import { randomBytes } from 'node:crypto';
import { UploadTransfer } from '../../../src/app/handlers/upload-transfer';
import { DomainError, ok } from '../../../src/domain/errors';
import { STATUS } from '../../../src/transport/sftp/sftp-attributes';
import { UploadHandle, WRITE_BATCH_BYTES } from '../../../src/transport/sftp/upload-handle';

/**
 * An upload that records what reaches it. Each write takes a turn of the event loop, as a disk write
 * does; `held`, a write resolves only when the test lets it (`settle`).
 */
class RecordingTransfer implements UploadTransfer {
  readonly refused = false;
  readonly writes: Buffer[] = [];
  readonly ended: string[] = [];
  private release: (() => void)[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    readonly startsAt = 0,
    private readonly held = false,
  ) {}

  write(chunk: Uint8Array): Promise<void> {
    this.writes.push(Buffer.from(chunk));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve) => {
      const release = () => {
        this.inFlight--;
        resolve();
      };
      if (this.held) this.release.push(release);
      else setImmediate(release);
    });
  }

  /** Lets every write so far finish, as the disk would. */
  settle(): void {
    for (const release of this.release.splice(0)) release();
  }

  async finish() {
    this.ended.push('finish');
    const bytes = Buffer.concat(this.writes);
    return ok({ seq: 1, type: 'FileUploaded' as const, at: '', payload: { bytes } }) as never;
  }

  async abort(received: number): Promise<void> {
    this.ended.push(`abort ${received}`);
  }

  async refuse(error: DomainError): Promise<void> {
    this.ended.push(`refuse ${error.code}: ${error.message}`);
  }

  get bytes(): Buffer {
    return Buffer.concat(this.writes);
  }
}

/** Writes `data` in `piece`-byte WRITEs at their offsets, each answered OK. */
async function writeAll(handle: UploadHandle, data: Buffer, piece: number) {
  for (let at = 0; at < data.length; at += piece) {
    expect(await handle.write(at, data.subarray(at, at + piece))).toEqual({ code: STATUS.OK, message: 'ok' });
  }
}

describe('an SFTP upload handle gathers WRITEs into batches written behind', () => {
  test('bytes reach the store whole and in order, in batches of the batch size, the rest at close', async () => {
    const transfer = new RecordingTransfer();
    const handle = new UploadHandle(transfer, 'f.bin', async () => transfer);
    const data = randomBytes(3 * WRITE_BATCH_BYTES + 12_345);
    await writeAll(handle, data, 32 * 1024);
    expect(transfer.writes.map((write) => write.length)).toEqual([
      WRITE_BATCH_BYTES,
      WRITE_BATCH_BYTES,
      WRITE_BATCH_BYTES,
    ]);
    await handle.close();
    expect(transfer.writes.at(-1)?.length).toBe(12_345);
    expect(transfer.bytes.equals(data)).toBe(true);
    expect(transfer.ended).toEqual(['finish']);
  });

  test('one batch in flight at a time: the next waits for the disk, and a WRITE larger than a batch goes whole', async () => {
    const transfer = new RecordingTransfer(0, true);
    const handle = new UploadHandle(transfer, 'f.bin', async () => transfer);
    const big = randomBytes(2 * WRITE_BATCH_BYTES + 1);
    const first = handle.write(0, big.subarray(0, WRITE_BATCH_BYTES));
    await first; // answered before the disk wrote it
    expect(transfer.inFlight).toBe(1);
    let answered = false;
    const second = handle.write(WRITE_BATCH_BYTES, big.subarray(WRITE_BATCH_BYTES)).then(() => {
      answered = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    transfer.settle();
    await second;
    expect(transfer.maxInFlight).toBe(1);
    const closing = handle.close();
    await new Promise((resolve) => setImmediate(resolve));
    transfer.settle();
    await closing;
    expect(transfer.writes.map((write) => write.length)).toEqual([WRITE_BATCH_BYTES, WRITE_BATCH_BYTES + 1]);
    expect(transfer.bytes.equals(big)).toBe(true);
  });

  test('the WRITE buffer may be reused once answered: the batch holds a copy', async () => {
    const transfer = new RecordingTransfer();
    const handle = new UploadHandle(transfer, 'f.bin', async () => transfer);
    const buffer = Buffer.from('first');
    await handle.write(0, buffer);
    buffer.write('XXXXX');
    await handle.close();
    expect(transfer.bytes.toString()).toBe('first');
  });

  test('a cut connection: every byte received in order reaches the store (to be held), then the upload is aborted', async () => {
    const transfer = new RecordingTransfer();
    const handle = new UploadHandle(transfer, 'f.bin', async () => transfer);
    await writeAll(handle, randomBytes(WRITE_BATCH_BYTES + 100), 64 * 1024);
    await handle.write(WRITE_BATCH_BYTES + 200, Buffer.from('ahead of a gap'));
    await handle.abort();
    expect(transfer.writes.map((write) => write.length)).toEqual([WRITE_BATCH_BYTES, 100]);
    expect(transfer.ended).toEqual([`abort ${WRITE_BATCH_BYTES + 100}`]);
  });

  test('a gap never filled at close: nothing published, the upload refused', async () => {
    const transfer = new RecordingTransfer();
    const handle = new UploadHandle(transfer, 'f.bin', async () => transfer);
    await handle.write(0, Buffer.from('start'));
    await handle.write(10, Buffer.from('later'));
    expect(await handle.close()).toEqual({
      code: STATUS.FAILURE,
      message: 'the file has a gap at offset 5: nothing was stored',
    });
    expect(transfer.ended).toEqual([
      'refuse SIZE_MISMATCH: the file has a gap at offset 5: nothing was stored',
    ]);
  });

  test('a truncation to 0 drops the unwritten batch and starts a new upload, which gets only the new bytes', async () => {
    const first = new RecordingTransfer();
    const second = new RecordingTransfer();
    const handle = new UploadHandle(first, 'f.bin', async () => second);
    await handle.write(0, Buffer.from('draft'));
    expect(await handle.truncate(0)).toEqual({ code: STATUS.OK, message: 'ok' });
    await handle.write(0, Buffer.from('final'));
    await handle.close();
    expect(first.writes).toEqual([]);
    expect(first.ended).toEqual([
      'refuse SIZE_MISMATCH: truncated to 0 after 5 bytes: the upload starts again',
    ]);
    expect(second.bytes.toString()).toBe('final');
  });

  test('appending: writes land after the live bytes whatever their offsets, and cannot start over', async () => {
    const transfer = new RecordingTransfer(6);
    const handle = new UploadHandle(transfer, 'log.txt', async () => transfer, true);
    expect(handle.written).toBe(6);
    await handle.write(0, Buffer.from('second '));
    await handle.write(3, Buffer.from('third'));
    expect(handle.written).toBe(18);
    expect((await handle.truncate(0)).code).toBe(STATUS.OP_UNSUPPORTED);
    await handle.close();
    expect(transfer.bytes.toString()).toBe('second third');
  });
});
