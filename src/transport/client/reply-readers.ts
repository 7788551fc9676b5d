import { createHash, Hash } from 'node:crypto';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { Fields, parseReplyLine, ReplyLine } from '../codec/replies';
import { FerryError } from './ferry-error';

/**
 * Reads one reply off the shared decoder. Replies come in request order, so the client keeps a queue of
 * these and hands each frame to the one at its head until it says it is done.
 */
export interface ReplyReader {
  /** Returns true once the reply is complete. `expectBody` declares that raw bytes follow. */
  line(text: string, expectBody: (length: number) => void): boolean;
  body(chunk: Buffer): Promise<void>;
  /** Returns true once the reply is complete. */
  bodyEnd(): boolean;
  fail(error: FerryError): void;
}

export interface OkReply {
  readonly texts: readonly string[];
  readonly fields: Fields;
}

abstract class BaseReader<T> implements ReplyReader {
  readonly result: Promise<T>;
  protected resolve!: (value: T) => void;
  private rejectResult!: (error: FerryError) => void;
  private settled = false;

  constructor() {
    this.result = new Promise<T>((resolve, reject) => {
      this.resolve = (value) => {
        this.settled = true;
        resolve(value);
      };
      this.rejectResult = reject;
    });
    // A caller that never awaits must not crash the process with an unhandled rejection.
    this.result.catch(() => undefined);
  }

  abstract line(text: string, expectBody: (length: number) => void): boolean;

  async body(_chunk: Buffer): Promise<void> {}

  bodyEnd(): boolean {
    return true;
  }

  fail(error: FerryError): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectResult(error);
  }

  /** Parses a status line; an ERR line fails this reply and completes it. */
  protected status(text: string): OkReply | undefined {
    let parsed: ReplyLine;
    try {
      parsed = parseReplyLine(text);
    } catch (error) {
      this.fail(new FerryError('PROTOCOL_ERROR', (error as Error).message));
      return undefined;
    }
    if (!parsed.ok) {
      this.fail(new FerryError(parsed.code, parsed.message));
      return undefined;
    }
    return parsed;
  }
}

/** A one-line reply. */
export class LineReader extends BaseReader<OkReply> {
  line(text: string): boolean {
    const reply = this.status(text);
    if (reply) this.resolve(reply);
    return true;
  }
}

/** "OK <key>=N" then N lines; `onStatus` sees the OK line's other fields. */
export class LinesReader extends BaseReader<string[]> {
  private remaining: number | undefined;
  private readonly lines: string[] = [];

  constructor(
    private readonly countKey: string,
    private readonly onStatus?: (reply: OkReply) => void,
  ) {
    super();
  }

  line(text: string): boolean {
    if (this.remaining === undefined) {
      const reply = this.status(text);
      if (!reply) return true;
      this.onStatus?.(reply);
      this.remaining = Number(reply.fields.get(this.countKey) ?? NaN);
      if (!Number.isSafeInteger(this.remaining) || this.remaining < 0) {
        this.fail(new FerryError('PROTOCOL_ERROR', `bad ${this.countKey} in ${JSON.stringify(text)}`));
        return true;
      }
    } else {
      this.lines.push(text);
      this.remaining--;
    }
    if (this.remaining > 0) return false;
    this.resolve(this.lines);
    return true;
  }
}

export interface BodyReply extends OkReply {
  readonly size: number;
  /** SHA-256 of the bytes actually received. */
  readonly receivedSha256: string;
}

/** "OK size=N ..." then N raw bytes, streamed into `sink` with backpressure. */
export class BodyReader extends BaseReader<BodyReply> {
  private reply: OkReply | undefined;
  private size = 0;
  private sinkFailed = false;

  /**
   * `from`: the body is the file's bytes from this offset on (a resumed download), and `hash` already
   * holds the bytes before it, so `receivedSha256` is still the whole file's.
   */
  constructor(
    private readonly sink: Writable,
    private readonly onProgress?: (bytes: number, total: number) => void,
    private readonly from = 0,
    private readonly hash: Hash = createHash('sha256'),
  ) {
    super();
  }

  line(text: string, expectBody: (length: number) => void): boolean {
    this.reply = this.status(text);
    if (!this.reply) return true;
    this.size = Number(this.reply.fields.get('size') ?? NaN);
    if (!Number.isSafeInteger(this.size) || this.size < this.from) {
      this.fail(new FerryError('PROTOCOL_ERROR', `bad size in ${JSON.stringify(text)}`));
      return true;
    }
    expectBody(this.size - this.from);
    return false;
  }

  override async body(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    this.onProgress?.(chunk.length, this.size);
    // A sink that failed or was given up on takes nothing more; the body is still read, to stay in step.
    if (this.sinkFailed || this.sink.destroyed) return;
    try {
      if (!this.sink.write(chunk)) await once(this.sink, 'drain');
    } catch (error) {
      this.sinkFailed = true;
      this.fail(new FerryError('STORAGE_FAILED', `cannot write the download: ${(error as Error).message}`));
    }
  }

  override bodyEnd(): boolean {
    this.resolve({ ...this.reply!, size: this.size, receivedSha256: this.hash.digest('hex') });
    return true;
  }
}
