import { Outcome } from '../../domain/catalogue';
import { domainError, Result } from '../../domain/errors';
import { UploadTransfer } from '../../app/handlers/upload-transfer';
import { STATUS, Status } from './sftp-attributes';

/** Writes that arrive ahead of the next expected offset are held up to this many bytes. */
export const MAX_REORDER_BYTES = 4 * 1024 * 1024;

/**
 * In-order writes are gathered into batches of this many bytes before they go to the store, one batch
 * in flight while the next fills: a put's 32 KiB WRITEs are answered without waiting for the disk, and
 * the store sees a few large writes instead of one per request.
 */
export const WRITE_BATCH_BYTES = 1024 * 1024;

const OK: Status = { code: STATUS.OK, message: 'ok' };

/**
 * A file opened for writing: the bytes stream into one upload, which CLOSE publishes atomically (one
 * FileUploaded, or one refusal). Writes at the next offset stream straight through; writes a little ahead
 * wait in a bounded buffer for the gap to fill; anything else (rewriting bytes already passed, a gap that
 * never fills) is refused, because the upload is a stream and its SHA-256 is taken as it goes.
 *
 * Opened to append, the upload already holds the live version's bytes (or those held from a write cut
 * off), and every write lands at the end
 * whatever its offset, as SFTP's APPEND flag says: in the order the client sent them, which is the order
 * the session handles them.
 */
export class UploadHandle {
  readonly kind = 'upload';
  private next: number;
  private readonly ahead = new Map<number, Buffer>();
  private aheadBytes = 0;
  private batch = Buffer.allocUnsafe(WRITE_BATCH_BYTES);
  private batchBytes = 0;
  /** The batch the store is writing now. */
  private flushing: Promise<void> = Promise.resolve();
  private done = false;

  constructor(
    private transfer: UploadTransfer,
    readonly name: string,
    /** Starts the same upload afresh, for a truncation to 0 after bytes were written. */
    private readonly restart: () => Promise<UploadTransfer>,
    private readonly appending = false,
  ) {
    this.next = transfer.startsAt;
  }

  /** Bytes received in order so far: the size the file will have. */
  get written(): number {
    return this.next;
  }

  async write(offset: number, data: Buffer): Promise<Status> {
    if (offset === this.next || this.appending) {
      await this.pass(data);
      for (let held = this.ahead.get(this.next); held; held = this.ahead.get(this.next)) {
        this.ahead.delete(this.next);
        this.aheadBytes -= held.length;
        await this.pass(held);
      }
      return OK;
    }
    if (offset < this.next) {
      return {
        code: STATUS.OP_UNSUPPORTED,
        message: `rewriting bytes already written (offset ${offset}, next ${this.next}) is not supported`,
      };
    }
    const replaced = this.ahead.get(offset)?.length ?? 0;
    if (this.aheadBytes - replaced + data.length > MAX_REORDER_BYTES) {
      return {
        code: STATUS.OP_UNSUPPORTED,
        message: `writes too far out of order (offset ${offset}, next ${this.next}) are not supported`,
      };
    }
    this.ahead.set(offset, Buffer.from(data));
    this.aheadBytes += data.length - replaced;
    return OK;
  }

  /** FSETSTAT size: the written length is a no-op, 0 starts an upload over, anything else cannot be done. */
  async truncate(size: number): Promise<Status> {
    if (size === this.next && this.ahead.size === 0) return OK;
    // An append cannot start over: its first bytes are another version's.
    if (size !== 0 || this.appending) {
      return { code: STATUS.OP_UNSUPPORTED, message: `setting the size to ${size} is not supported` };
    }
    await this.dropped();
    const restarted = `truncated to 0 after ${this.next} bytes: the upload starts again`;
    await this.transfer.refuse(domainError('SIZE_MISMATCH', restarted));
    this.ahead.clear();
    this.aheadBytes = 0;
    this.transfer = await this.restart();
    this.next = this.transfer.startsAt;
    return OK;
  }

  /** CLOSE: publishes the file, or refuses it if a gap never filled. Undefined: closed already. */
  async close(): Promise<Result<Outcome<'FileUploaded'>> | Status | undefined> {
    if (this.done) return undefined;
    this.done = true;
    if (this.ahead.size > 0) {
      await this.dropped();
      const message = `the file has a gap at offset ${this.next}: nothing was stored`;
      await this.transfer.refuse(domainError('SIZE_MISMATCH', message));
      return { code: STATUS.FAILURE, message };
    }
    await this.flushed();
    return this.transfer.finish();
  }

  /**
   * The session ended with the file still open: nothing is published. Every byte received in order goes
   * to the store first, where the upload holds them for the client's `reput`.
   */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.flushed();
    await this.transfer.abort(this.next);
  }

  /** Bytes in order: copied into the batch, which goes to the store once full, after the one before it. */
  private async pass(data: Buffer): Promise<void> {
    this.next += data.length;
    // The copy also frees ssh2's packet, of which `data` is a view.
    if (this.batchBytes > 0 && this.batchBytes + data.length > WRITE_BATCH_BYTES) await this.flush();
    if (data.length >= WRITE_BATCH_BYTES) {
      this.batch = Buffer.from(data);
      this.batchBytes = data.length;
    } else {
      this.batchBytes += data.copy(this.batch, this.batchBytes);
    }
    if (this.batchBytes >= WRITE_BATCH_BYTES) await this.flush();
  }

  /** Waits for the batch in flight, then sends this one on without waiting for it. */
  private async flush(): Promise<void> {
    await this.flushing;
    const bytes = this.batch.subarray(0, this.batchBytes);
    this.batch = Buffer.allocUnsafe(WRITE_BATCH_BYTES);
    this.batchBytes = 0;
    // The transfer keeps a write's failure for its finish, which refuses the upload: nothing rejects here.
    this.flushing = this.transfer.write(bytes);
  }

  /** The upload will not be published: what is not written yet never will be. */
  private async dropped(): Promise<void> {
    this.batchBytes = 0;
    await this.flushing;
  }

  /** Every byte passed so far handed to the store. */
  private async flushed(): Promise<void> {
    if (this.batchBytes > 0) await this.flush();
    await this.flushing;
  }
}
