import { Writable } from 'node:stream';

/**
 * Header lines are bounded so a peer cannot make us buffer without limit. The limit counts the line's
 * content, without its terminator, so it is the same for LF and CRLF lines.
 */
export const MAX_LINE_BYTES = 8 * 1024;

/** The first capacity of the buffer that gathers a line arriving in pieces; it doubles as needed. */
const INITIAL_LINE_CAPACITY = 256;

/**
 * What the decoder hands on. Each callback may return a promise; the decoder waits for it before it looks
 * at another byte, which keeps replies in request order and gives backpressure for free: the stream's
 * write callback fires only once a chunk has really been handled.
 */
export interface FrameSink {
  /**
   * A new non-empty header line has begun: called once per line, as soon as its bytes prove it is not
   * blank, and always before the `line()` or `lineTooLong()` call that ends it (even when the whole line
   * came in one chunk). Blank lines (a bare LF or CRLF) never call it. Between the two calls the peer
   * owes us the rest of the line, which is what a header-line deadline measures. Not awaited.
   */
  lineStarted?(): void;
  /**
   * One header line without its terminator; the sink may call `expectBody(n)` before returning. The
   * buffer is the sink's to keep: the decoder never writes to it again.
   */
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
  /**
   * The unfinished line's bytes so far, copied out of the chunks they came in, so a line trickled in
   * one byte at a time costs its own bytes (at most the limit + 1, for a final CR) and not a Buffer per
   * piece, and pins no socket chunk. Released once the line is handed on.
   */
  private lineBuffer: Buffer | undefined;
  private lineLength = 0;
  /** `lineStarted` was called for the line being read and its end was not reported yet. */
  private lineOpen = false;
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
    this.lineBuffer = undefined;
    this.lineLength = 0;
  }

  /** Bytes held for an unfinished line: the capacity of its buffer (0 when none is pending). */
  get bufferedBytes(): number {
    return this.lineBuffer?.length ?? 0;
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
      const length = this.lineLength + (end - offset);
      const last = end > offset ? chunk[end - 1] : this.lineBuffer?.[this.lineLength - 1];
      // The content is at least the bytes so far less a final CR (which a LF may yet make a terminator),
      // and exactly that once the LF is here: refuse as soon as it is over the limit, whatever comes next.
      const content = last === CARRIAGE_RETURN ? length - 1 : length;
      if (content > 0 && !this.lineOpen) {
        this.lineOpen = true;
        this.sink.lineStarted?.();
      }
      if (content > this.maxLineBytes) {
        this.stop();
        await this.sink.lineTooLong();
        return;
      }
      if (newline === -1) {
        this.append(chunk.subarray(offset, end));
        return;
      }
      let line: Buffer;
      if (this.lineLength === 0) {
        line = chunk.subarray(offset, end); // the whole line is in this chunk: no copy
      } else {
        this.append(chunk.subarray(offset, end));
        line = (this.lineBuffer as Buffer).subarray(0, this.lineLength);
        this.lineBuffer = undefined;
        this.lineLength = 0;
      }
      offset = newline + 1;
      this.lineOpen = false;
      if (content > 0) await this.sink.line(line.subarray(0, content));
    }
  }

  /** Copies bytes of an unfinished line into the line buffer, doubling it up to the limit as needed. */
  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const needed = this.lineLength + bytes.length;
    const capacity = this.lineBuffer?.length ?? 0;
    if (needed > capacity) {
      const cap = this.maxLineBytes + 1; // the content and a CR that may turn out to be its terminator
      const grown = Buffer.allocUnsafeSlow(
        Math.min(cap, Math.max(needed, capacity * 2, INITIAL_LINE_CAPACITY)),
      );
      this.lineBuffer?.copy(grown, 0, 0, this.lineLength);
      this.lineBuffer = grown;
    }
    bytes.copy(this.lineBuffer as Buffer, this.lineLength);
    this.lineLength = needed;
  }
}
