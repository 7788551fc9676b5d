import { Socket } from 'node:net';
import { Handlers } from '../app/composition-root';
import { UploadTransfer } from '../app/handlers/upload-transfer';
import { assertNever } from '../domain/catalogue';
import { DomainError, domainError } from '../domain/errors';
import { EventOrigin, SessionCloseReason } from '../domain/events';
import { EventLogError } from '../domain/ports/event-log.port';
import { Logger } from '../domain/ports/logger.port';
import { accountLine, historyLine, versionLine } from './catalogue-lines';
import { FrameDecoder, FrameSink } from './codec/frame-decoder';
import { fileLine, PROTOCOL_VERSION, reply } from './codec/replies';
import { AccountRequest, parseRequest, parseTrailer, Request } from './codec/requests';
import { option } from './codec/words';
import { HELP_LINES } from './help-text';
import { ReadBufferRing } from './read-buffer-ring';
import { ReplyQueue } from './reply-queue';
import { SessionTimers } from './session-timers';
import { SocketWriter } from './socket-writer';

/** Where the bytes of a body go while it streams in. */
interface BodyConsumer {
  write(chunk: Buffer): Promise<void>;
  /** The whole body arrived: decide, record, reply. */
  finish(): Promise<void>;
  /** It never will: the peer went away. */
  abort(): Promise<void>;
  /** Set when a trailer line follows the body (`trailer=sha256`): that line, not `finish`, ends the request. */
  trailer?(line: Buffer): Promise<void>;
}

/** The body of an upload refused before it started is read and dropped up to this size; beyond, the connection closes. */
const MAX_DRAINED_BODY = 1024 * 1024;
/**
 * A download's chunks are read into buffers it reuses (ReadBufferRing), keeping this many. Each chunk
 * waits for the socket to drain, so one or two are out at a time; four leave room.
 */
const DOWNLOAD_BUFFERS = 4;

/** After a deadline passes, the peer gets this long to take the queued replies and the TIMEOUT line. */
const EXPIRY_LINGER_MS = 5000;

/** The deadlines a session keeps (see ServerOptions). */
export interface SessionLimits {
  /** No meaningful progress (a request line, upload bytes, bytes the peer accepted) for this long: closed. */
  readonly idleTimeoutMs: number;
  /** When login is required at the greeting: the session must log in within this long. */
  readonly loginTimeoutMs: number;
  /** A request line must end within this long of its first byte. */
  readonly lineTimeoutMs: number;
}

export interface SessionOptions extends SessionLimits {
  /** Whether the connection is TLS (recorded in SessionOpened). */
  readonly tls: boolean;
}

/**
 * One connection: turns frames into use-case calls and results into replies. Requests are decided one at
 * a time, in order; each reply goes out, in order, only once the audit log holds its event durably. The
 * next request is decided meanwhile, so pipelined requests share one log commit. Every request ends in
 * exactly one recorded event, and the session is bracketed by SessionOpened and SessionClosed.
 *
 * Three deadlines, none extended by mere bytes: the login deadline (when login is required), the line
 * deadline (a header line must end in time once begun) and the idle timer, which only meaningful progress
 * resets. Replies are written as the socket takes them; while too many wait, requests are not read, so the
 * decoder's backpressure pauses the socket and a peer that never reads costs a bounded amount of memory.
 */
export class Session implements FrameSink {
  private readonly decoder = new FrameDecoder(this);
  private readonly writer: SocketWriter;
  private bodyConsumer: BodyConsumer | undefined;
  /** The body is in; its request's trailer line is the next line. */
  private awaitingTrailer = false;
  private busy = false;
  private closing: SessionCloseReason | undefined;
  private closed: Promise<void> | undefined;
  private readonly replies: ReplyQueue;
  private broken = false;
  private origin: EventOrigin = { actor: '', session: '', remote: '' };
  /** The TIMEOUT line a passed deadline owes the peer, sent after the replies queued before it. */
  private farewell: string | undefined;
  /** The login deadline passed while a request was in hand: expire once it is answered, unless it logged in. */
  private loginOverdue = false;
  private readonly timers = new SessionTimers();
  /** What the decoder handed over last (a request, a body chunk, a body's end), until it is dealt with. */
  private inHand: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    private readonly handlers: Handlers,
    /** Resolves once every event recorded so far is durable. */
    private readonly durable: () => Promise<void>,
    private readonly logger: Logger,
    private readonly options: SessionOptions,
  ) {
    this.writer = new SocketWriter(socket, () => this.progress());
    this.replies = new ReplyQueue(
      this.writer,
      durable,
      (error) => this.fail(error),
      () => this.broken,
    );
  }

  /** Resolves when the session is over and its closing event is durable. */
  async run(): Promise<void> {
    const ended = new Promise<void>((resolve) =>
      this.socket.once('close', () => {
        this.timers.stop();
        // Requests still buffered are never taken in: no one is there to answer.
        this.closing ??= 'disconnect';
        this.decoder.stop();
        resolve();
      }),
    );
    this.socket.on('error', (error) => this.logger.debug('socket error', { error: error.message }));
    // A stuck peer must not hold a half-written upload (or a file handle) for ever.
    this.timers.start('idle', this.options.idleTimeoutMs, () => {
      this.closing ??= 'idle';
      this.socket.destroy();
    });
    const remote = `${this.socket.remoteAddress}:${this.socket.remotePort}`;
    try {
      this.origin = await this.handlers.sessions.open(remote, {
        protocol: PROTOCOL_VERSION,
        transport: 'ferry',
        tls: this.options.tls,
      });
    } catch (error) {
      // Not even the opening could be recorded: the peer is told why instead of a greeting.
      this.fail(error);
      return ended;
    }
    const loginRequired = !this.handlers.access.anonymousAllowed;
    this.respond(reply.greeting(this.origin.session, loginRequired));
    if (loginRequired) {
      this.timers.start('login', this.options.loginTimeoutMs, () => this.loginExpired());
    }
    // The peer may half-close after its last request (nc -N does); answer everything, then hang up.
    this.decoder.once('finish', () => {
      this.closing ??= 'disconnect';
      this.hangUp();
    });
    // An unexpected failure (the audit log cannot be written, say) ends this session, not the server.
    this.decoder.on('error', (error) => this.fail(error));
    this.socket.pipe(this.decoder);
    await ended;
    // The request in hand still ends in its own event (an upload still being prepared is aborted once
    // it is), before the session's closing, so a session's events never follow its SessionClosed.
    await this.inHand;
    await this.end(this.closing ?? 'disconnect');
  }

  /** Server shutdown: finish the request in hand, then close; `force` cuts it short. */
  shutdown(force: boolean): void {
    this.closing ??= 'shutdown';
    if (force) this.socket.destroy();
    else if (!this.busy) this.hangUp();
  }

  lineStarted(): void {
    if (this.closing) return;
    this.timers.start('line', this.options.lineTimeoutMs, () =>
      this.expire(
        'line-timeout',
        `a request line must end within ${seconds(this.options.lineTimeoutMs)} of its first byte; closing`,
      ),
    );
  }

  line(bytes: Buffer): Promise<void> {
    return this.handle(() => this.request(bytes));
  }

  private async request(bytes: Buffer): Promise<void> {
    this.timers.clear('line');
    if (this.closing) return;
    this.progress();
    if (this.awaitingTrailer) return this.trailerLine(bytes);
    await this.replies.room(() => this.closing !== undefined);
    if (this.closing) return;
    const parsed = parseRequest(bytes);
    this.busy = true;
    if (!parsed.ok) {
      const refusal = () => this.refuse(parsed.command, parsed.error, parsed.name);
      // What follows may be a body we cannot measure: reading it as requests would run what it says.
      if (parsed.framingLost) {
        await refusal();
        this.closing = 'protocol-error';
        return this.hangUp();
      }
      if (parsed.bodyLength > 0 || parsed.trailer) {
        return this.refuseBody(parsed.bodyLength, discardingConsumer(refusal, parsed.trailer));
      }
      await refusal();
      return this.idle();
    }
    this.logger.debug('request', { session: this.origin.session, command: parsed.request.command });
    await this.dispatch(parsed.request);
  }

  body(chunk: Buffer): Promise<void> {
    this.progress();
    return this.handle(async () => this.bodyConsumer?.write(chunk));
  }

  bodyEnd(): Promise<void> {
    return this.handle(() => this.finishBody());
  }

  /** Runs what the decoder handed over, and keeps it as the thing in hand until it is done. */
  private handle(work: () => Promise<void>): Promise<void> {
    const handling = work();
    this.inHand = handling.catch(() => undefined);
    return handling;
  }

  private async finishBody(): Promise<void> {
    const consumer = this.bodyConsumer;
    // Still the request in hand: a connection lost before its trailer aborts it.
    if (consumer?.trailer) {
      this.awaitingTrailer = true;
      return;
    }
    this.bodyConsumer = undefined;
    await consumer?.finish();
    this.idle();
  }

  private async trailerLine(bytes: Buffer): Promise<void> {
    const consumer = this.bodyConsumer;
    this.awaitingTrailer = false;
    this.bodyConsumer = undefined;
    await consumer?.trailer?.(bytes);
    this.idle();
  }

  lineTooLong(): Promise<void> {
    return this.handle(() => this.refuseLongLine());
  }

  private async refuseLongLine(): Promise<void> {
    this.timers.clear('line');
    await this.refuse('?', domainError('LINE_TOO_LONG', 'a request line is longer than 8192 bytes; closing'));
    this.closing = 'protocol-error';
    this.hangUp();
  }

  private async dispatch(request: Request): Promise<void> {
    const origin = this.origin;
    switch (request.command) {
      case 'HELP':
        await this.handlers.help.execute(origin);
        this.respond(reply.withLines('lines', HELP_LINES));
        return this.idle();
      case 'LIST': {
        const { prefix, at, after, limit } = request;
        const listed = await this.handlers.list.execute(origin, { prefix, at, after, limit });
        if (!listed.ok) this.respond(reply.error(listed.error));
        else {
          const next = listed.value.next === undefined ? [] : [option('next', listed.value.next)];
          this.respond(reply.withLines('count', listed.value.files.map(versionLine), ...next));
        }
        return this.idle();
      }
      case 'LOGIN':
        await this.logIn(request.user, request.password);
        return this.idle();
      case 'USER':
        await this.manageAccounts(request.account);
        return this.idle();
      case 'AUDIT': {
        const records = await this.handlers.audit.execute(origin, request.after, request.limit);
        this.respond(records.ok ? reply.withLines('count', records.value) : reply.error(records.error));
        return this.idle();
      }
      case 'ROTATE-KEY': {
        const rotated = await this.handlers.rotateKey.execute(origin);
        if (!rotated.ok) this.respond(reply.error(rotated.error));
        else {
          const { previousKeyId, keyId } = rotated.value.payload;
          this.respond(reply.ok(`seq=${rotated.value.seq}`, `previous=${previousKeyId}`, `key=${keyId}`));
        }
        return this.idle();
      }
      case 'STAT': {
        const result = await this.handlers.stat.execute(origin, request.name);
        this.respond(result.ok ? reply.ok(versionLine(result.value)) : reply.error(result.error));
        return this.idle();
      }
      case 'HISTORY': {
        const result = await this.handlers.history.execute(origin, request.name);
        this.respond(
          result.ok ? reply.withLines('count', result.value.map(historyLine)) : reply.error(result.error),
        );
        return this.idle();
      }
      case 'RESTORE': {
        const result = await this.handlers.restore.execute(origin, request);
        if (!result.ok) this.respond(reply.error(result.error));
        else {
          const { version, fromVersion, size, sha256 } = result.value.payload;
          this.respond(
            reply.ok(`version=${version}`, `from=${fromVersion}`, `size=${size}`, `sha256=${sha256}`),
          );
        }
        return this.idle();
      }
      case 'RENAME': {
        const { from, to, ifVersion, requestId } = request;
        const result = await this.handlers.rename.execute(origin, { from, to, ifVersion, requestId });
        if (!result.ok) this.respond(reply.error(result.error));
        else {
          const { version, fromVersion, size, sha256 } = result.value.payload;
          this.respond(
            reply.ok(`version=${version}`, `from-version=${fromVersion}`, `size=${size}`, `sha256=${sha256}`),
          );
        }
        return this.idle();
      }
      case 'UPLOAD':
        return this.upload(request);
      case 'OFFSET': {
        const result = await this.handlers.uploadOffset.execute(origin, request.upload);
        this.respond(
          result.ok
            ? reply.ok(`offset=${result.value.held}`, option('name', result.value.name))
            : reply.error(result.error),
        );
        return this.idle();
      }
      case 'DOWNLOAD':
        await this.download(request);
        return this.idle();
      case 'DELETE': {
        const result = await this.handlers.delete.execute(origin, request);
        this.respond(
          result.ok ? reply.ok(`version=${result.value.payload.version}`) : reply.error(result.error),
        );
        return this.idle();
      }
      case 'LOGOUT':
        // Recorded before the goodbye, so a client that saw "OK bye" knows its session is closed in the log.
        this.closing = 'logout';
        await this.end('logout');
        this.respond(reply.ok('bye'));
        this.hangUp();
        return;
      default:
        return assertNever(request);
    }
  }

  private async logIn(user: string, password: string): Promise<void> {
    const result = await this.handlers.login.execute(this.origin, user, password);
    if (result.ok) {
      this.origin = result.origin;
      this.timers.clear('login');
      this.loginOverdue = false;
      const role = this.handlers.access.rights(this.origin);
      return this.respond(
        reply.ok(option('user', this.origin.actor), option('role', role.ok ? role.value.role : '')),
      );
    }
    this.respond(reply.error(result.error));
    if (result.disconnect) {
      this.closing = 'protocol-error';
      this.hangUp();
    }
  }

  private async manageAccounts(request: AccountRequest): Promise<void> {
    if (request.action === 'list') {
      const listed = this.handlers.accounts.list(this.origin);
      return this.respond(
        listed.ok
          ? reply.withLines(
              'count',
              listed.value.map(({ account, usage }) => accountLine(account, usage)),
            )
          : reply.error(listed.error),
      );
    }
    if (request.action === 'key-list') {
      const keys = this.handlers.accounts.keys(this.origin, request.user);
      return this.respond(
        keys.ok
          ? reply.withLines(
              'count',
              keys.value.map((key) => fileLine(key.fingerprint, { key: key.key })),
            )
          : reply.error(keys.error),
      );
    }
    if (request.action === 'key-add') {
      const added = await this.handlers.accounts.addKey(this.origin, request.user, request.key);
      const fingerprint =
        added.ok && added.value.type === 'UserKeyAdded' ? added.value.payload.fingerprint : '';
      return this.respond(
        added.ok
          ? reply.ok(
              option('user', request.user),
              option('seq', added.value.seq),
              option('fingerprint', fingerprint),
            )
          : reply.error(added.error),
      );
    }
    const changed = await this.handlers.accounts.change(this.origin, request.change, request.password);
    this.respond(
      changed.ok
        ? reply.ok(option('user', request.change.user), option('seq', changed.value.seq))
        : reply.error(changed.error),
    );
  }

  private async upload(request: Extract<Request, { command: 'UPLOAD' }>): Promise<void> {
    const transfer = await this.handlers.upload.begin(this.origin, request);
    if (this.socket.destroyed) {
      // The peer went away while the upload was prepared: no body will come for end() to abort, so abort
      // it here (its event, its temporary file, its reservation), and read nothing more.
      await transfer.abort(0);
      this.closing ??= 'disconnect';
      return this.hangUp();
    }
    const consumer = this.uploadConsumer(transfer, request.trailer === true);
    const length = request.size - (request.resume?.offset ?? 0);
    if (transfer.refused) return this.refuseBody(length, consumer);
    this.expectBody(length, consumer);
  }

  /**
   * The body of a refused request: read and dropped when small, so the connection stays usable; a larger
   * one is not worth reading, so the refusal is sent and the connection closed (the client reads it first).
   */
  private async refuseBody(length: number, consumer: BodyConsumer): Promise<void> {
    if (length <= MAX_DRAINED_BODY) return this.expectBody(length, consumer);
    await consumer.finish();
    this.closing = 'protocol-error';
    this.hangUp();
  }

  private uploadConsumer(transfer: UploadTransfer, trailer: boolean): BodyConsumer {
    let received = 0;
    const finish = async (trailing?: string) => {
      const result = await transfer.finish(trailing);
      if (!result.ok) return this.respond(reply.error(result.error));
      const { version, size, sha256 } = result.value.payload;
      this.respond(reply.ok(`version=${version}`, `size=${size}`, `sha256=${sha256}`));
    };
    const consumer: BodyConsumer = {
      write: async (chunk) => {
        received += chunk.length;
        await transfer.write(chunk);
      },
      finish: () => finish(),
      abort: () => transfer.abort(received),
    };
    if (!trailer) return consumer;
    return {
      ...consumer,
      trailer: async (line) => {
        const sha256 = parseTrailer(line);
        if (sha256 !== undefined) return finish(sha256);
        const error = domainError('BAD_REQUEST', 'the line after the body must be sha256=<64 hex digits>');
        await transfer.refuse(error);
        this.respond(reply.error(error));
      },
    };
  }

  private async download(request: Extract<Request, { command: 'DOWNLOAD' }>): Promise<void> {
    const buffers = new ReadBufferRing(DOWNLOAD_BUFFERS);
    const result = await this.handlers.download.begin(this.origin, request, buffers);
    if (!result.ok) return this.respond(reply.error(result.error));
    const { file, body, length, finish } = result.value;
    const offset = request.offset ?? 0;
    // The body is this reply: everything before it must be on the wire first.
    await this.replies.drained;
    if (this.broken) {
      await body[Symbol.asyncIterator]().return?.();
      return;
    }
    let sent = 0;
    try {
      const ranged = [
        ...(request.offset === undefined ? [] : [`offset=${offset}`]),
        ...(request.length === undefined ? [] : [`length=${length}`]),
      ];
      const header = reply.ok(
        `size=${file.size}`,
        `version=${file.version}`,
        `sha256=${file.sha256}`,
        ...ranged,
      );
      // Gone before the reply line (a false start): the body never begins, so nothing of it is read.
      const started = await this.writer.send(header);
      if (!started) await body[Symbol.asyncIterator]().return?.();
      else {
        for await (const chunk of body) {
          if (!(await this.writer.sendBody(chunk, () => buffers.give(chunk)))) break;
          sent += chunk.length;
        }
      }
    } catch (error) {
      this.logger.error('download failed mid-stream', { session: this.origin.session, error: String(error) });
    }
    await finish(sent, offset);
    // A short body cannot be told apart from the next reply, so the connection must go.
    if (sent !== length) this.hangUp();
  }

  private expectBody(length: number, consumer: BodyConsumer): void {
    this.bodyConsumer = consumer;
    this.decoder.expectBody(length);
  }

  private async refuse(command: string, error: DomainError, name?: string): Promise<void> {
    await this.handlers.reject.execute(this.origin, command, error, name);
    this.respond(reply.error(error));
  }

  /** Queues a reply behind the earlier ones (see ReplyQueue). */
  private respond(text: string): void {
    this.replies.push(text);
  }

  /** Something below failed: say so once, and end the session rather than answer unrecorded. */
  private fail(error: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.logger.error('request failed', { session: this.origin.session, error: String(error) });
    this.writer.sendNow(reply.error(failureReply(error)));
    this.closing ??= 'protocol-error';
    this.hangUp();
  }

  private idle(): void {
    this.busy = false;
    // The login deadline passed while this request was in hand, and it was not a successful LOGIN.
    if (this.loginOverdue && !this.closing) return this.loginExpired();
    this.loginOverdue = false;
    if (this.closing) this.hangUp();
  }

  /** Stops reading at once; closes the connection once every queued reply (and any farewell) is out. */
  private hangUp(): void {
    this.decoder.stop();
    this.socket.unpipe(this.decoder);
    // Read and drop whatever the peer still sends, so its close is seen and the session ends promptly.
    this.socket.resume();
    const farewell = this.farewell;
    this.farewell = undefined;
    if (farewell !== undefined) this.respond(farewell);
    void this.replies.drained.then(() => this.writer.end());
  }

  private loginExpired(): void {
    this.loginOverdue = false;
    // A request in hand (a LOGIN being checked, say) is answered first; a body being read is abandoned.
    if (this.busy && !this.decoder.midBody) {
      this.loginOverdue = true;
      return;
    }
    this.expire('login-timeout', `no login within ${seconds(this.options.loginTimeoutMs)}; closing`);
  }

  /** A deadline passed: stop reading, send the queued replies and one TIMEOUT line, close with `reason`. */
  private expire(reason: SessionCloseReason, message: string): void {
    if (this.closing || this.timers.isStopped) return;
    this.closing = reason;
    this.farewell = reply.error(domainError('TIMEOUT', message));
    // A peer that will not take even that is cut without waiting for the idle timer.
    this.timers.start('linger', EXPIRY_LINGER_MS, () => this.socket.destroy());
    if (!this.busy || this.decoder.midBody) this.hangUp();
  }

  /** Meaningful progress: a request line, body bytes, or bytes the peer accepted. Blank lines are not. */
  private progress(): void {
    this.timers.refresh('idle');
  }

  private end(reason: SessionCloseReason): Promise<void> {
    this.closed ??= (async () => {
      const unfinished = this.bodyConsumer;
      this.bodyConsumer = undefined;
      await unfinished?.abort();
      await this.handlers.sessions.close(this.origin, reason);
      await this.durable();
    })();
    return this.closed;
  }
}

/** What the peer is told when its request could not be completed; the details stay in the server's log. */
function failureReply(error: unknown): DomainError {
  if (!(error instanceof EventLogError)) {
    return domainError('INTERNAL', 'the server could not complete the request');
  }
  const message = 'the audit log cannot be written, so nothing was done; the server is stopping';
  return domainError(error.kind === 'full' ? 'STORAGE_FULL' : 'STORAGE_FAILED', message);
}

/** `30 s`, `0.5 s`: for TIMEOUT messages. */
function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

/** A refused request's body (and trailer line) read and dropped; `onEnd` records and answers the refusal. */
function discardingConsumer(onEnd: () => Promise<void>, trailer = false): BodyConsumer {
  const consumer = { write: async () => undefined, finish: onEnd, abort: onEnd };
  return trailer ? { ...consumer, trailer: onEnd } : consumer;
}
