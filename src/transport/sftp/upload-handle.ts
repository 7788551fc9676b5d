import { Outcome } from '../../domain/catalogue';
import { Result } from '../../domain/errors';
import { UploadTransfer } from '../../app/handlers/upload-file.handler';
import { STATUS, Status } from './sftp-attributes';

/** Writes that arrive ahead of the next expected offset are held up to this many bytes. */
export const MAX_REORDER_BYTES = 4 * 1024 * 1024;

const OK: Status = { code: STATUS.OK, message: 'ok' };

/**
 * A file opened for writing: the bytes stream into one upload, which CLOSE publishes atomically (one
 * FileUploaded, or one refusal). Writes at the next offset stream straight through; writes a little ahead
 * wait in a bounded buffer for the gap to fill; anything else (rewriting bytes already passed, a gap that
 * never fills) is refused, because the upload is a stream and its SHA-256 is taken as it goes.
 *
 * Opened to append, the upload already holds the live version's bytes, and every write lands at the end
 * whatever its offset, as SFTP's APPEND flag says: in the order the client sent them, which is the order
 * the session handles them.
 */
export class UploadHandle {
  readonly kind = 'upload';
  private next: number;
  private readonly ahead = new Map<number, Buffer>();
  private aheadBytes = 0;
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
    await this.transfer.abort(this.next);
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
      await this.transfer.abort(this.next);
      return {
        code: STATUS.FAILURE,
        message: `the file has a gap at offset ${this.next}: nothing was stored`,
      };
    }
    return this.transfer.finish();
  }

  /** The session ended with the file still open: nothing is published. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.transfer.abort(this.next);
  }

  private async pass(data: Buffer): Promise<void> {
    this.next += data.length;
    await this.transfer.write(data);
  }
}
