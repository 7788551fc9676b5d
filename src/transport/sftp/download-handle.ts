import { DownloadTransfer } from '../../app/handlers/download-file.handler';
import { STATUS, Status } from './sftp-attributes';

/** OpenSSH asks for 32 KiB a READ; more is answered short, which every client handles. */
export const MAX_READ = 32 * 1024;

/** A read further ahead than this reopens the stream at its offset instead of reading its way there. */
const MAX_SKIP = 1024 * 1024;

/**
 * A file opened for reading: READs are served from one stream of the version's bytes. Reads in order
 * (what OpenSSH sends) take the fast path; a read behind the stream, or far ahead of it (`reget` starts
 * where the local copy ends), reopens it at its offset. CLOSE records the span the client read, as the
 * native DOWNLOAD does.
 */
export class DownloadHandle {
  readonly kind = 'download';
  private chunks: AsyncIterator<Uint8Array>;
  /** Bytes of the stream from `start` on, not yet passed. */
  private held: Buffer = Buffer.alloc(0);
  private start = 0;
  private ended = false;
  /** The span of the file served so far: [first, sent). */
  private first: number | undefined;
  private sent = 0;
  private finished = false;

  constructor(private readonly transfer: DownloadTransfer) {
    this.chunks = transfer.body[Symbol.asyncIterator]();
  }

  get file() {
    return this.transfer.file;
  }

  async read(offset: number, length: number): Promise<Buffer | Status> {
    if (offset >= this.transfer.file.size) return { code: STATUS.EOF, message: 'end of file' };
    if (offset < this.start || offset > this.start + this.held.length + MAX_SKIP) await this.seek(offset);
    const end = Math.min(offset + Math.min(length, MAX_READ), this.transfer.file.size);
    if (offset >= this.start + this.held.length) {
      // Nothing held is wanted: the next chunk is held as it is, with no copy.
      this.start += this.held.length;
      this.held = Buffer.alloc(0);
    }
    while (this.start + this.held.length < end && !this.ended) {
      const next = await this.chunks.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      this.held = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
      // A read a little ahead: drop what lies before it as it streams past, so memory stays bounded.
      if (this.start + this.held.length <= offset) {
        this.start += this.held.length;
        this.held = Buffer.alloc(0);
      }
    }
    const data = this.held.subarray(offset - this.start, end - this.start);
    if (data.length === 0) return { code: STATUS.EOF, message: 'end of file' };
    // What lies before this read is passed; this read is kept, so a client may ask for it again.
    this.held = this.held.subarray(offset - this.start);
    this.start = offset;
    this.first = Math.min(this.first ?? offset, offset);
    this.sent = Math.max(this.sent, offset + data.length);
    return data;
  }

  /** Drops the stream in hand and opens the bytes again at `offset`. */
  private async seek(offset: number): Promise<void> {
    await this.chunks.return?.();
    this.chunks = this.transfer.from(offset)[Symbol.asyncIterator]();
    this.held = Buffer.alloc(0);
    this.start = offset;
    this.ended = false;
  }

  /** Records the download once, with the bytes the client got. */
  async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.chunks.return?.();
    const first = this.first ?? 0;
    await this.transfer.finish(this.sent - first, first);
  }
}
