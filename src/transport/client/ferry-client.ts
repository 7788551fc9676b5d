import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { FrameDecoder } from '../codec/frame-decoder';
import { SocketWriter } from '../socket-writer';
import { option, quoteWord } from '../codec/words';
import { HistoryRecord, listedFile, ListedFile, parseHistoryLine, parseListing } from './listing';
import { FerryError } from './ferry-error';
import { BodyReader, LineReader, LinesReader, OkReply, ReplyReader } from './reply-readers';

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

export interface StoredFile {
  readonly name: string;
  readonly version: number;
  readonly size: number;
  readonly sha256: string;
}

/** Guards every write may carry. */
export interface WriteOptions {
  /** The live version the writer expects to replace; 0 means the name must not exist. */
  readonly ifVersion?: number;
  /** Makes a retry safe: the server answers a repeated id with the first result instead of acting twice. */
  readonly requestId?: string;
}

export interface UploadOptions extends WriteOptions {
  /** Lets the server refuse corrupted bytes; computed by the caller, which knows where the bytes come from. */
  readonly sha256?: string;
  readonly onProgress?: (bytes: number) => void;
}

export interface RestoredFile extends StoredFile {
  readonly fromVersion: number;
}

export interface DownloadOptions {
  readonly version?: number;
  readonly onProgress?: (bytes: number, total: number) => void;
}

/**
 * The promise API over one connection. Requests may be issued without waiting (pipelining): they go out
 * in call order and each promise settles with its own reply.
 */
export class FerryClient {
  private readonly pending: ReplyReader[] = [];
  private sending: Promise<void> = Promise.resolve();
  private lost: FerryError | undefined;
  private readonly writer: SocketWriter;

  private sessionId = '';

  private constructor(private readonly socket: Socket) {
    this.writer = new SocketWriter(socket);
    this.attachDecoder();
  }

  /** The server's id for this connection, as it appears in every audit event of it. */
  get session(): string {
    return this.sessionId;
  }

  static async connect(address: ServerAddress): Promise<FerryClient> {
    const socket = connect({ host: address.host, port: address.port });
    socket.setNoDelay(true);
    try {
      await once(socket, 'connect');
    } catch (error) {
      throw new FerryError(
        'CONNECTION_LOST',
        `cannot connect to ${address.host}:${address.port}: ${(error as Error).message}`,
      );
    }
    const greeting = new LineReader();
    const client = new FerryClient(socket);
    client.pending.push(greeting);
    try {
      const reply = await greeting.result;
      if (reply.texts[0] !== 'ferry/1') {
        throw new FerryError('PROTOCOL_ERROR', `not a Ferry server: ${reply.texts[0]}`);
      }
      client.sessionId = reply.fields.get('session') ?? '';
      return client;
    } catch (error) {
      client.destroy();
      throw error;
    }
  }

  async help(): Promise<string[]> {
    return this.request('HELP', new LinesReader('lines'));
  }

  /** Live files, now or as they were at `at` (an event seq or an ISO 8601 time). */
  async list(prefix = '', options: { at?: string } = {}): Promise<ListedFile[]> {
    const words = ['LIST'];
    if (prefix !== '' || options.at !== undefined) words.push(quoteWord(prefix));
    if (options.at !== undefined) words.push(option('at', options.at));
    const lines = await this.request(words.join(' '), new LinesReader('count'));
    return lines.map(parseListing);
  }

  async stat(name: string): Promise<ListedFile> {
    const reply = await this.request(`STAT ${quoteWord(name)}`, new LineReader());
    return listedFile(reply);
  }

  async history(name: string): Promise<HistoryRecord[]> {
    const lines = await this.request(`HISTORY ${quoteWord(name)}`, new LinesReader('count'));
    return lines.map(parseHistoryLine);
  }

  async restore(name: string, version: number, options: WriteOptions = {}): Promise<RestoredFile> {
    const words = ['RESTORE', quoteWord(name), String(version), ...guardWords(options)];
    const reply = await this.request(words.join(' '), new LineReader());
    return { ...storedFile(name, reply), fromVersion: Number(reply.fields.get('from')) };
  }

  /** Streams `size` bytes from `body` as a new version of `name`. */
  async upload(
    name: string,
    body: AsyncIterable<Uint8Array>,
    size: number,
    options: UploadOptions = {},
  ): Promise<StoredFile> {
    const words = ['UPLOAD', quoteWord(name), String(size)];
    if (options.sha256) words.push(option('sha256', options.sha256));
    words.push(...guardWords(options));
    const reader = new LineReader();
    await this.send(`${words.join(' ')}\n`, reader, async () => {
      let sent = 0;
      for await (const chunk of body) {
        if (sent + chunk.length > size) {
          sent += chunk.length;
          break;
        }
        await this.write(chunk);
        sent += chunk.length;
        options.onProgress?.(chunk.length);
      }
      if (sent !== size) {
        // The declared length can no longer be met; only closing the connection keeps the server in step.
        this.failAll(
          new FerryError(
            'SIZE_MISMATCH',
            `${name}: the source changed size while sending (declared ${size} bytes)`,
          ),
        );
        throw this.lost;
      }
    });
    return storedFile(name, await reader.result);
  }

  /** Streams a file's bytes into `sink` and checks them against the SHA-256 the server announced. */
  async download(name: string, sink: Writable, options: DownloadOptions = {}): Promise<StoredFile> {
    const words = ['DOWNLOAD', quoteWord(name)];
    if (options.version !== undefined) words.push(option('version', options.version));
    const reply = await this.request(words.join(' '), new BodyReader(sink, options.onProgress));
    const file = storedFile(name, reply);
    if (file.sha256 !== reply.receivedSha256) {
      throw new FerryError(
        'CHECKSUM_MISMATCH',
        `${name}: received bytes hash to ${reply.receivedSha256}, not ${file.sha256}`,
      );
    }
    return file;
  }

  async delete(name: string, options: WriteOptions = {}): Promise<number> {
    const words = ['DELETE', quoteWord(name), ...guardWords(options)];
    const reply = await this.request(words.join(' '), new LineReader());
    return Number(reply.fields.get('version'));
  }

  /** Sends any request line; for tools and tests that speak the protocol directly. */
  async raw(line: string): Promise<OkReply> {
    return this.request(line, new LineReader());
  }

  async logout(): Promise<void> {
    try {
      await this.request('LOGOUT', new LineReader());
    } finally {
      this.socket.end();
    }
  }

  /** Drops the connection without a word, as a crashed client would. */
  destroy(): void {
    this.socket.destroy();
  }

  private async request<T>(line: string, reader: ReplyReader & { result: Promise<T> }): Promise<T> {
    await this.send(`${line}\n`, reader);
    return reader.result;
  }

  /** Queues the reply reader and writes the request (and its body) after every earlier request's. */
  private send(header: string, reader: ReplyReader, writeBody?: () => Promise<void>): Promise<void> {
    if (this.lost) return Promise.reject(this.lost);
    this.pending.push(reader);
    const sent = this.sending.then(async () => {
      await this.write(Buffer.from(header, 'utf8'));
      await writeBody?.();
    });
    this.sending = sent.catch(() => undefined);
    return sent;
  }

  private async write(chunk: Uint8Array): Promise<void> {
    if (this.lost) throw this.lost;
    if (!(await this.writer.sendBody(chunk)))
      throw this.lost ?? new FerryError('CONNECTION_LOST', 'the connection closed');
  }

  private attachDecoder(): void {
    const decoder: FrameDecoder = new FrameDecoder({
      line: (bytes) => {
        const head = this.pending[0];
        if (!head) return this.failAll(new FerryError('PROTOCOL_ERROR', 'a reply nobody asked for'));
        if (head.line(bytes.toString('utf8'), (length) => decoder.expectBody(length))) this.pending.shift();
      },
      body: (chunk) => this.pending[0]?.body(chunk),
      bodyEnd: () => {
        if (this.pending[0]?.bodyEnd()) this.pending.shift();
      },
      lineTooLong: () => this.failAll(new FerryError('PROTOCOL_ERROR', 'reply line too long')),
    });
    this.socket.pipe(decoder);
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => this.failAll(new FerryError('CONNECTION_LOST', 'the connection closed')));
  }

  private failAll(error: FerryError): void {
    this.lost ??= error;
    for (const reader of this.pending.splice(0)) reader.fail(error);
    this.socket.destroy();
  }
}

function guardWords(options: WriteOptions): string[] {
  const words: string[] = [];
  if (options.ifVersion !== undefined) words.push(option('if-version', options.ifVersion));
  if (options.requestId !== undefined) words.push(option('id', options.requestId));
  return words;
}

function storedFile(name: string, reply: OkReply): StoredFile {
  return {
    name,
    version: Number(reply.fields.get('version')),
    size: Number(reply.fields.get('size')),
    sha256: reply.fields.get('sha256') ?? '',
  };
}
