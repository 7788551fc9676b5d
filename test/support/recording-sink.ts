import { FrameDecoder, FrameSink } from '../../src/transport/codec/frame-decoder';

/** One thing a FrameDecoder handed its sink. A body is recorded whole (latin1) when it ends, then `'end'`. */
export type SinkEvent = 'started' | { readonly line: string } | { readonly body: string } | 'end' | 'tooLong';

export interface RecordingSinkOptions {
  /** The decoder's line limit; MAX_LINE_BYTES if not given. */
  readonly maxLine?: number;
  /** Lines longer than this are recorded as their first 20 characters and length, `aaa...(8192)`, to keep failures short. */
  readonly abbreviateOver?: number;
}

/**
 * A FrameSink with its own decoder that records every call in order and, like a session, declares a body
 * when a line says `BODY <n>`. Bodies are taken asynchronously, so the decoder must wait for them.
 */
export class RecordingSink implements FrameSink {
  readonly decoder: FrameDecoder;
  readonly events: SinkEvent[] = [];
  /** Every line as the decoder handed it over. */
  readonly lines: Buffer[] = [];
  private bodyChunks: Buffer[] = [];

  constructor(private readonly options: RecordingSinkOptions = {}) {
    this.decoder = new FrameDecoder(this, options.maxLine);
  }

  lineStarted(): void {
    this.events.push('started');
  }

  line(bytes: Buffer): void {
    this.lines.push(bytes);
    const text = bytes.toString('latin1');
    const over = this.options.abbreviateOver;
    this.events.push({
      line: over !== undefined && text.length > over ? `${text.slice(0, 20)}...(${text.length})` : text,
    });
    const declared = /^BODY (\d+)$/.exec(text);
    if (declared) this.decoder.expectBody(Number(declared[1]));
  }

  async body(chunk: Buffer): Promise<void> {
    this.bodyChunks.push(Buffer.from(chunk));
    await Promise.resolve();
  }

  bodyEnd(): void {
    this.events.push({ body: Buffer.concat(this.bodyChunks).toString('latin1') }, 'end');
    this.bodyChunks = [];
  }

  lineTooLong(): void {
    this.events.push('tooLong');
  }
}

/** Writes one chunk and waits until the decoder has handled it. */
export function write(decoder: FrameDecoder, chunk: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    decoder.write(chunk, (error) => (error ? reject(error) : resolve())),
  );
}

/** Writes the chunks one after another, each once the one before is handled. */
export async function feed(decoder: FrameDecoder, chunks: readonly Buffer[]): Promise<void> {
  for (const chunk of chunks) await write(decoder, chunk);
}
