import { Hash } from 'node:crypto';
import { once } from 'node:events';
import { connect, isIP, Socket } from 'node:net';
import { connect as connectTls, TLSSocket } from 'node:tls';
import { Writable } from 'node:stream';
import { FrameDecoder } from '../codec/frame-decoder';
import { SocketWriter } from '../socket-writer';
import { TLS_MIN_VERSION } from '../tls-listener';
import { option, quoteWord, splitWords } from '../codec/words';
import { readWords } from '../codec/replies';
import {
  HistoryRecord,
  listedFile,
  ListedFile,
  parseHistoryLine,
  parseListing,
  parseUserLine,
  UserRecord,
} from './listing';
import { FerryError } from './ferry-error';
import { BodyReader, LineReader, LinesReader, OkReply, ReplyReader } from './reply-readers';

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

/** How to reach the server beyond its address. */
export interface ConnectionOptions {
  /** Speak TLS (1.2 or later) and check the server's certificate and name. */
  readonly tls?: boolean;
  /** PEM of the CA certificate(s) to trust; without it Node's default trust store applies. */
  readonly ca?: string | Buffer;
}

/**
 * Sent on a plain connection whose greeting is slow to come: blank lines, which a Ferry server ignores,
 * while a TLS server, silent until it gets a handshake, takes them for a broken one and hangs up at once.
 */
const PLAIN_NUDGE = '\n'.repeat(6);
const NUDGE_AFTER_MS = 200;

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
  /**
   * Resumable under `upload` (an id of the caller's choosing): should the connection go, the server keeps
   * the bytes, and `offset` (what `offset()` says) continues them. The body is then the bytes from
   * `offset` on, and `size` still the whole file's.
   */
  readonly resume?: { readonly upload: string; readonly offset: number };
  /**
   * A trailing checksum: the SHA-256 of the whole file, asked for once the body is sent (so the caller can
   * hash while it reads), goes after it. Instead of `sha256`, which must be known before the first byte.
   */
  readonly trailer?: () => string;
  /**
   * Called with each chunk of the body handed to the socket once the socket no longer refers to its bytes
   * (it wrote them, or the connection went), so the caller may read into that memory again; never before.
   * A chunk never handed over (the connection was lost already) gets no call.
   */
  readonly written?: (chunk: Uint8Array) => void;
}

/** Where an interrupted upload continues. */
export interface HeldUploadOffset {
  readonly offset: number;
  readonly name: string;
}

export interface RestoredFile extends StoredFile {
  readonly fromVersion: number;
}

/** The file under its new name; `from` and `fromVersion` say which live version moved. */
export interface RenamedFile extends StoredFile {
  readonly from: string;
  readonly fromVersion: number;
}

export interface DownloadOptions {
  readonly version?: number;
  readonly onProgress?: (bytes: number, total: number) => void;
  /**
   * A resumed download: the body is the bytes from `offset` on, and `hash` holds those before it (read
   * from the caller's partial copy), so the whole file is still checked against the recorded SHA-256.
   */
  readonly resume?: { readonly offset: number; readonly hash: Hash };
}

/**
 * The promise API over one connection. Requests may be issued without waiting (pipelining): they go out
 * in call order and each promise settles with its own reply.
 */
export interface ListOptions {
  /** An event seq or an ISO 8601 time: the listing as it was then. */
  readonly at?: string;
  /** Files per page (the server caps it at 1000). */
  readonly pageSize?: number;
}

export class FerryClient {
  private readonly pending: ReplyReader[] = [];
  private sending: Promise<void> = Promise.resolve();
  private lost: FerryError | undefined;
  private readonly writer: SocketWriter;

  private sessionId = '';
  private mustLogIn = false;

  private constructor(private readonly socket: Socket) {
    this.writer = new SocketWriter(socket);
    this.attachDecoder();
  }

  /** The server's id for this connection, as it appears in every audit event of it. */
  get session(): string {
    return this.sessionId;
  }

  static async connect(address: ServerAddress, options: ConnectionOptions = {}): Promise<FerryClient> {
    const socket = options.tls ? await openTls(address, options) : await openPlain(address);
    const greeting = new LineReader();
    const client = new FerryClient(socket);
    client.pending.push(greeting);
    const nudge = options.tls ? undefined : setTimeout(() => socket.write(PLAIN_NUDGE), NUDGE_AFTER_MS);
    try {
      const reply = await greeting.result.finally(() => clearTimeout(nudge));
      if (reply.texts[0] !== 'ferry/1') {
        throw new FerryError('PROTOCOL_ERROR', `not a Ferry server: ${reply.texts[0]}`);
      }
      client.sessionId = reply.fields.get('session') ?? '';
      client.mustLogIn = reply.fields.get('login') === 'required';
      return client;
    } catch (error) {
      client.destroy();
      if (error instanceof FerryError && error.code === 'CONNECTION_LOST' && !options.tls) {
        throw new FerryError(
          'CONNECTION_LOST',
          `${address.host}:${address.port} closed the connection without a greeting (does it require TLS?)`,
        );
      }
      throw error;
    }
  }

  /** Whether the server said, in its greeting, that nothing but HELP and LOGIN works before a login. */
  get loginRequired(): boolean {
    return this.mustLogIn;
  }

  /** Logs in; every later request of this connection acts as `user`. Returns the account's role. */
  async login(user: string, password: string): Promise<string> {
    const reply = await this.request(`LOGIN ${quoteWord(user)} ${quoteWord(password)}`, new LineReader());
    return reply.fields.get('role') ?? '';
  }

  /** USER LIST (admin): one line per account, as the server words it. */
  async listUsers(): Promise<UserRecord[]> {
    const lines = await this.request('USER LIST', new LinesReader('count'));
    return lines.map(parseUserLine);
  }

  /**
   * Any other USER request (admin), e.g. `changeUser('ADD', 'bob', {role: 'read'}, password)`; the
   * password travels as an option of the line and is never echoed back. Returns the event's seq.
   */
  async changeUser(
    action: string,
    user: string,
    args: { readonly positional?: string; readonly options?: Readonly<Record<string, string>> } = {},
    password?: string,
  ): Promise<number> {
    const words = ['USER', action.toUpperCase(), quoteWord(user)];
    if (args.positional !== undefined) words.push(quoteWord(args.positional));
    for (const [key, value] of Object.entries(args.options ?? {})) words.push(option(key, value));
    if (password !== undefined) words.push(option('password', password));
    const reply = await this.request(words.join(' '), new LineReader());
    return Number(reply.fields.get('seq'));
  }

  /** USER KEY ADD (admin): a public key (OpenSSH one-line form) `user` may log in with over SSH. */
  async addUserKey(user: string, key: string): Promise<{ fingerprint: string; seq: number }> {
    const reply = await this.request(`USER KEY ADD ${quoteWord(user)} ${quoteWord(key)}`, new LineReader());
    return { fingerprint: reply.fields.get('fingerprint') ?? '', seq: Number(reply.fields.get('seq')) };
  }

  /** USER KEY LIST (admin): the account's public keys, in the order added. */
  async listUserKeys(user: string): Promise<Array<{ fingerprint: string; key: string }>> {
    const lines = await this.request(`USER KEY LIST ${quoteWord(user)}`, new LinesReader('count'));
    return lines.map((line) => {
      const { texts, fields } = readWords(splitWords(line));
      return { fingerprint: texts[0] ?? '', key: fields.get('key') ?? '' };
    });
  }

  /** USER KEY REMOVE (admin); resolves with the seq of its event. */
  async removeUserKey(user: string, fingerprint: string): Promise<number> {
    const words = ['USER KEY REMOVE', quoteWord(user), quoteWord(fingerprint)];
    const reply = await this.request(words.join(' '), new LineReader());
    return Number(reply.fields.get('seq'));
  }

  /** AUDIT (admin): up to `limit` events after `after`, each as the canonical JSON the log hashed. */
  async audit(after = 0, limit = 100): Promise<string[]> {
    return this.request(
      `AUDIT ${option('after', after)} ${option('limit', limit)}`,
      new LinesReader('count'),
    );
  }

  /** ROTATE-KEY (admin): the event that changed the checkpoint key, and both keys' ids. */
  async rotateKey(): Promise<{ seq: number; previousKeyId: string; keyId: string }> {
    const reply = await this.request('ROTATE-KEY', new LineReader());
    return {
      seq: Number(reply.fields.get('seq')),
      previousKeyId: reply.fields.get('previous') ?? '',
      keyId: reply.fields.get('key') ?? '',
    };
  }

  async help(): Promise<string[]> {
    return this.request('HELP', new LinesReader('lines'));
  }

  /** Every live file under `prefix`, now or as at `at`, gathered from all the pages: for short listings. */
  async list(prefix = '', options: ListOptions = {}): Promise<ListedFile[]> {
    const files: ListedFile[] = [];
    for await (const page of this.listPages(prefix, options)) files.push(...page);
    return files;
  }

  /**
   * Live files, now or as they were at `at` (an event seq or an ISO 8601 time), one page (one LIST
   * request) at a time, so a listing of any length takes the memory of one page.
   */
  async *listPages(prefix = '', options: ListOptions = {}): AsyncGenerator<ListedFile[]> {
    let after: string | undefined;
    do {
      const words = ['LIST', quoteWord(prefix)];
      if (options.at !== undefined) words.push(option('at', options.at));
      if (after !== undefined) words.push(option('after', after));
      if (options.pageSize !== undefined) words.push(option('limit', options.pageSize));
      after = undefined;
      const reader = new LinesReader('count', (reply) => (after = reply.fields.get('next')));
      const lines = await this.request(words.join(' '), reader);
      yield lines.map(parseListing);
    } while (after !== undefined);
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

  /**
   * Moves the live file `from` to `to`. `ifVersion` is about `to`: absent, `to` must not be live
   * (CONFLICT); N, its live version must be N, and it is replaced.
   */
  async rename(from: string, to: string, options: WriteOptions = {}): Promise<RenamedFile> {
    const words = ['RENAME', quoteWord(from), quoteWord(to), ...guardWords(options)];
    const reply = await this.request(words.join(' '), new LineReader());
    return { ...storedFile(to, reply), from, fromVersion: Number(reply.fields.get('from-version')) };
  }

  /** Streams `size` bytes from `body` as a new version of `name`. */
  async upload(
    name: string,
    body: AsyncIterable<Uint8Array>,
    size: number,
    options: UploadOptions = {},
  ): Promise<StoredFile> {
    const words = ['UPLOAD', quoteWord(name), String(size)];
    const { resume, written } = options;
    if (resume) words.push(option('upload', resume.upload), option('offset', resume.offset));
    if (options.sha256) words.push(option('sha256', options.sha256));
    if (options.trailer) words.push(option('trailer', 'sha256'));
    words.push(...guardWords(options));
    const length = size - (resume?.offset ?? 0);
    const reader = new LineReader();
    const sending = this.send(`${words.join(' ')}\n`, reader, async () => {
      let sent = 0;
      for await (const chunk of body) {
        if (sent + chunk.length > length) {
          sent += chunk.length;
          break;
        }
        await this.write(chunk, written && (() => written(chunk)));
        sent += chunk.length;
        options.onProgress?.(chunk.length);
      }
      if (sent !== length) {
        // The declared length can no longer be met; only closing the connection keeps the server in step.
        this.failAll(
          new FerryError(
            'SIZE_MISMATCH',
            `${name}: the source changed size while sending (declared ${size} bytes)`,
          ),
        );
        throw this.lost;
      }
      if (options.trailer) await this.write(Buffer.from(`sha256=${options.trailer()}\n`));
    });
    // A reply before the whole body is sent is a refusal after which the server hangs up (TOO_LARGE):
    // it is the answer, not the write that fails once the connection is gone.
    sending.catch(() => undefined);
    await Promise.race([sending, reader.result]);
    return storedFile(name, await reader.result);
  }

  /** Where the interrupted upload `upload` continues; NOT_FOUND when nothing is held for it. */
  async offset(upload: string): Promise<HeldUploadOffset> {
    const reply = await this.request(`OFFSET ${upload}`, new LineReader());
    return { offset: Number(reply.fields.get('offset')), name: reply.fields.get('name') ?? '' };
  }

  /** Streams a file's bytes into `sink` and checks them against the SHA-256 the server announced. */
  async download(name: string, sink: Writable, options: DownloadOptions = {}): Promise<StoredFile> {
    const words = ['DOWNLOAD', quoteWord(name)];
    if (options.version !== undefined) words.push(option('version', options.version));
    const { resume } = options;
    if (resume) words.push(option('offset', resume.offset));
    const reader = new BodyReader(sink, options.onProgress, resume?.offset, resume?.hash);
    const reply = await this.request(words.join(' '), reader);
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
    // A line feed in a name or password would end the line early and send the rest as more requests.
    if (header.indexOf('\n') !== header.length - 1)
      return Promise.reject(new FerryError('BAD_REQUEST', 'a request line cannot contain a line feed'));
    this.pending.push(reader);
    const sent = this.sending.then(async () => {
      await this.write(Buffer.from(header, 'utf8'));
      await writeBody?.();
    });
    this.sending = sent.catch(() => undefined);
    return sent;
  }

  private async write(chunk: Uint8Array, written?: () => void): Promise<void> {
    if (this.lost) throw this.lost;
    if (!(await this.writer.sendBody(chunk, written)))
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

async function openPlain(address: ServerAddress): Promise<Socket> {
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
  return socket;
}

/**
 * Resolves once the handshake is done and the server's certificate checks out. Exported so a benchmark can
 * see what a FerryClient negotiates.
 */
export async function openTls(address: ServerAddress, options: ConnectionOptions): Promise<TLSSocket> {
  const socket = connectTls({
    host: address.host,
    port: address.port,
    ca: options.ca,
    // Name indication is for host names only; an address is checked against the certificate's IP entries.
    servername: isIP(address.host) === 0 ? address.host : undefined,
    minVersion: TLS_MIN_VERSION,
  });
  socket.setNoDelay(true);
  let reached = false;
  socket.once('connect', () => (reached = true));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('the connection closed during the TLS handshake')));
    });
  } catch (error) {
    socket.destroy();
    const where = `${address.host}:${address.port}`;
    if (!reached)
      throw new FerryError('CONNECTION_LOST', `cannot connect to ${where}: ${(error as Error).message}`);
    throw new FerryError(
      'TLS_FAILED',
      `TLS with ${where} failed: ${tlsFailure(error as NodeJS.ErrnoException)}`,
    );
  }
  return socket;
}

/** OpenSSL's reason without its stack of codes, and a hint when the server does not seem to speak TLS. */
function tlsFailure(error: NodeJS.ErrnoException & { reason?: string }): string {
  const reason = error.reason ?? error.message;
  return error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || error.code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG'
    ? `${reason} (the server does not seem to use TLS)`
    : reason;
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
