import { DownloadTransfer } from '../../app/handlers/download-file.handler';
import { STATUS, Status } from './sftp-attributes';
import { MAX_READ } from './sftp-limits';

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
  /** The chunk of the stream in hand, which begins at byte `start` of the file. */
  private held: Buffer = Buffer.alloc(0);
  private start = 0;
  private ended = false;
  /** The span of the file that has gone to the client so far: [first, sent). */
  private first: number | undefined;
  private sent = 0;
  private finished = false;

  constructor(private readonly transfer: DownloadTransfer) {
    this.chunks = transfer.body[Symbol.asyncIterator]();
  }

  get file() {
    return this.transfer.file;
  }

  /**
   * The bytes, as views of the stream's chunks that hold them: never a copy. They count as sent only once
   * `went` says they have gone.
   */
  async read(offset: number, length: number): Promise<Buffer[] | Status> {
    const size = this.transfer.file.size;
    if (offset >= size) return { code: STATUS.EOF, message: 'end of file' };
    if (offset < this.start || offset > this.start + this.held.length + MAX_SKIP) await this.seek(offset);
    const end = Math.min(offset + Math.min(length, MAX_READ), size);
    const pieces: Buffer[] = [];
    let at = offset;
    while (at < end) {
      const heldEnd = this.start + this.held.length;
      if (at < heldEnd) {
        const piece = this.held.subarray(at - this.start, Math.min(end, heldEnd) - this.start);
        pieces.push(piece);
        at += piece.length;
        continue;
      }
      const next = this.ended ? undefined : await this.chunks.next();
      if (!next || next.done) {
        this.ended = true;
        break;
      }
      // The chunk in hand is done with (a read a little ahead skips whole chunks this way).
      this.start = heldEnd;
      this.held = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
    if (at === offset) return { code: STATUS.EOF, message: 'end of file' };
    return pieces;
  }

  /** The bytes [offset, end) have gone to the client: CLOSE records them. */
  went(offset: number, end: number): void {
    this.first = Math.min(this.first ?? offset, offset);
    this.sent = Math.max(this.sent, end);
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
