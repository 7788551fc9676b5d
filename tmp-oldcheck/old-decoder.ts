import { Writable } from 'node:stream';

/** Header lines are bounded so a peer cannot make us buffer without limit. */
export const MAX_LINE_BYTES = 8 * 1024;

/**
 * What the decoder hands on. Each callback may return a promise; the decoder waits for it before it looks
 * at another byte, which keeps replies in request order and gives backpressure for free: the stream's
 * write callback fires only once a chunk has really been handled.
 */
export interface FrameSink {
  /** One header line without its terminator; the sink may call `expectBody(n)` before returning. */
  line(bytes: Buffer): void | Promise<void>;
  body(chunk: Buffer): void | Promise<void>;
  bodyEnd(): void | Promise<void>;
  /** The line limit was exceeded; the decoder ignores everything after this. */
  lineTooLong(): void | Promise<void>;
}

type State = 'line' | 'body' | 'stopped';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The one incremental parser of the protocol, shared by server and client: text lines, each optionally
 * followed by a raw body whose length the line declared. Split packets need no special code: each state
 * takes what the chunk has and waits for more.
 */
export class FrameDecoder extends Writable {
  private state: State = 'line';
  private lineParts: Buffer[] = [];
  private lineLength = 0;
  private bodyRemaining = 0;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {
    super();
  }

  /** Declares that the next `length` bytes are a body, not lines. Call from within `sink.line`. */
  expectBody(length: number): void {
    if (this.state !== 'line' || !Number.isSafeInteger(length) || length < 0) {
      throw new Error(`cannot expect a body of ${length} bytes in state ${this.state}`);
    }
    this.state = 'body';
    this.bodyRemaining = length;
  }

  /** Ignores all further input, e.g. once the session is closing. */
  stop(): void {
    this.state = 'stopped';
    this.lineParts = [];
  }

  get midBody(): boolean {
    return this.state === 'body';
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.consume(chunk).then(() => callback(), callback);
  }

  private async consume(chunk: Buffer): Promise<void> {
    let offset = 0;
    // A zero-length body must end even when no further byte arrives, hence the check before the length test.
    while (this.state !== 'stopped') {
      if (this.state === 'body') {
        if (this.bodyRemaining === 0) {
          this.state = 'line';
          await this.sink.bodyEnd();
          continue;
        }
        if (offset >= chunk.length) return;
        const take = Math.min(this.bodyRemaining, chunk.length - offset);
        const slice = chunk.subarray(offset, offset + take);
        offset += take;
        this.bodyRemaining -= take;
        await this.sink.body(slice);
        continue;
      }
      if (offset >= chunk.length) return;
      const newline = chunk.indexOf(NEWLINE, offset);
      const end = newline === -1 ? chunk.length : newline;
      if (this.lineLength + (end - offset) > this.maxLineBytes) {
        this.stop();
        await this.sink.lineTooLong();
        return;
      }
      this.lineParts.push(chunk.subarray(offset, end));
      this.lineLength += end - offset;
      if (newline === -1) return;
      offset = newline + 1;
      const line = this.takeLine();
      if (line.length > 0) await this.sink.line(line);
    }
  }

  private takeLine(): Buffer {
    let line =
      this.lineParts.length === 1 ? this.lineParts[0] : Buffer.concat(this.lineParts, this.lineLength);
    this.lineParts = [];
    this.lineLength = 0;
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN)
      line = line.subarray(0, line.length - 1);
    return line;
  }
}
