import { Socket } from 'node:net';
import { Handlers } from '../app/composition-root';
import { assertNever } from '../domain/catalogue';
import { DomainError, domainError } from '../domain/errors';
import { EventOrigin, SessionCloseReason } from '../domain/events';
import { Logger } from '../domain/ports/logger.port';
import { historyLine, versionLine } from './catalogue-lines';
import { FrameDecoder, FrameSink } from './codec/frame-decoder';
import { PROTOCOL_VERSION, reply } from './codec/replies';
import { parseRequest, Request } from './codec/requests';
import { HELP_LINES } from './help-text';
import { SocketWriter } from './socket-writer';

/** Where the bytes of a body go while it streams in. */
interface BodyConsumer {
  write(chunk: Buffer): Promise<void>;
  /** The whole body arrived: decide, record, reply. */
  finish(): Promise<void>;
  /** It never will: the peer went away. */
  abort(): Promise<void>;
}

/** A peer that pipelines without reading its replies is paused once this many are waiting to go out. */
const MAX_PENDING_REPLIES = 64;

/**
 * One connection: turns frames into use-case calls and results into replies. Requests are decided one at
 * a time, in order; each reply goes out, in order, only once the audit log holds its event durably. The
 * next request is decided meanwhile, so pipelined requests share one log commit. Every request ends in
 * exactly one recorded event, and the session is bracketed by SessionOpened and SessionClosed.
 */
export class Session implements FrameSink {
  private readonly decoder = new FrameDecoder(this);
  private readonly writer: SocketWriter;
  private bodyConsumer: BodyConsumer | undefined;
  private busy = false;
  private closing: SessionCloseReason | undefined;
  private closed: Promise<void> | undefined;
  private replies: Promise<void> = Promise.resolve();
  private pendingReplies = 0;
  private broken = false;
  private origin: EventOrigin = { actor: '', session: '', remote: '' };

  constructor(
    private readonly socket: Socket,
    private readonly handlers: Handlers,
    /** Resolves once every event recorded so far is durable. */
    private readonly durable: () => Promise<void>,
    private readonly logger: Logger,
  ) {
    this.writer = new SocketWriter(socket);
  }

  /** Resolves when the session is over and its closing event is durable. */
  async run(): Promise<void> {
    const ended = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('error', (error) => this.logger.debug('socket error', { error: error.message }));
    // A stuck peer must not hold a half-written upload (or a file handle) for ever.
    this.socket.on('timeout', () => {
      this.closing ??= 'idle';
      this.socket.destroy();
    });
    const remote = `${this.socket.remoteAddress}:${this.socket.remotePort}`;
    this.origin = await this.handlers.sessions.open(remote, PROTOCOL_VERSION);
    this.respond(reply.greeting(this.origin.session));
    // The peer may half-close after its last request (nc -N does); answer everything, then hang up.
    this.decoder.once('finish', () => {
      this.closing ??= 'disconnect';
      this.hangUp();
    });
    // An unexpected failure (the audit log cannot be written, say) ends this session, not the server.
    this.decoder.on('error', (error) => this.fail(error));
    this.socket.pipe(this.decoder);
    await ended;
    await this.end(this.closing ?? 'disconnect');
  }

  /** Server shutdown: finish the request in hand, then close; `force` cuts it short. */
  shutdown(force: boolean): void {
    this.closing ??= 'shutdown';
    if (force) this.socket.destroy();
    else if (!this.busy) this.hangUp();
  }

  async line(bytes: Buffer): Promise<void> {
    if (this.closing) return;
    if (this.pendingReplies >= MAX_PENDING_REPLIES) await this.replies;
    const parsed = parseRequest(bytes);
    this.busy = true;
    if (!parsed.ok) {
      const refusal = () => this.refuse(parsed.command, parsed.error, parsed.name);
      if (parsed.bodyLength > 0) return this.expectBody(parsed.bodyLength, discardingConsumer(refusal));
      await refusal();
      return this.idle();
    }
    this.logger.debug('request', { session: this.origin.session, command: parsed.request.command });
    await this.dispatch(parsed.request);
  }

  async body(chunk: Buffer): Promise<void> {
    await this.bodyConsumer?.write(chunk);
  }

  async bodyEnd(): Promise<void> {
    const consumer = this.bodyConsumer;
    this.bodyConsumer = undefined;
    await consumer?.finish();
    this.idle();
  }

  async lineTooLong(): Promise<void> {
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
        const files = await this.handlers.list.execute(origin, request.prefix, request.at);
        this.respond(reply.withLines('count', files.map(versionLine)));
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
      case 'UPLOAD':
        return this.expectBody(request.size, await this.uploadConsumer(request));
      case 'DOWNLOAD':
        await this.download(request.name, request.version);
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

  private async uploadConsumer(request: Extract<Request, { command: 'UPLOAD' }>): Promise<BodyConsumer> {
    const transfer = await this.handlers.upload.begin(this.origin, request);
    let received = 0;
    return {
      write: async (chunk) => {
        received += chunk.length;
        await transfer.write(chunk);
      },
      finish: async () => {
        const result = await transfer.finish();
        if (!result.ok) return this.respond(reply.error(result.error));
        const { version, size, sha256 } = result.value.payload;
        this.respond(reply.ok(`version=${version}`, `size=${size}`, `sha256=${sha256}`));
      },
      abort: () => transfer.abort(received),
    };
  }

  private async download(name: string, version?: number): Promise<void> {
    const result = await this.handlers.download.begin(this.origin, { name, version });
    if (!result.ok) return this.respond(reply.error(result.error));
    const { file, body, finish } = result.value;
    // The body is this reply: everything before it must be on the wire first.
    await this.replies;
    if (this.broken) {
      await body[Symbol.asyncIterator]().return?.();
      return;
    }
    this.writer.send(reply.ok(`size=${file.size}`, `version=${file.version}`, `sha256=${file.sha256}`));
    let sent = 0;
    try {
      for await (const chunk of body) {
        if (!(await this.writer.sendBody(chunk))) break;
        sent += chunk.length;
      }
    } catch (error) {
      this.logger.error('download failed mid-stream', { session: this.origin.session, error: String(error) });
    }
    await finish(sent);
    // A short body cannot be told apart from the next reply, so the connection must go.
    if (sent !== file.size) this.hangUp();
  }

  private expectBody(length: number, consumer: BodyConsumer): void {
    this.bodyConsumer = consumer;
    this.decoder.expectBody(length);
  }

  private async refuse(command: string, error: DomainError, name?: string): Promise<void> {
    await this.handlers.reject.execute(this.origin, command, error, name);
    this.respond(reply.error(error));
  }

  /** Queues a reply behind the earlier ones; it goes out once the events recorded so far are durable. */
  private respond(text: string): void {
    const durable = this.durable();
    this.pendingReplies++;
    this.replies = this.replies.then(async () => {
      try {
        await durable;
        if (!this.broken) this.writer.send(text);
      } catch (error) {
        this.fail(error);
      } finally {
        this.pendingReplies--;
      }
    });
  }

  /** Something below failed: say so once, and end the session rather than answer unrecorded. */
  private fail(error: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.logger.error('request failed', { session: this.origin.session, error: String(error) });
    this.writer.send(reply.error(domainError('INTERNAL', 'the server could not complete the request')));
    this.closing ??= 'protocol-error';
    this.hangUp();
  }

  private idle(): void {
    this.busy = false;
    if (this.closing) this.hangUp();
  }

  /** Stops reading at once; closes the connection once every queued reply is out. */
  private hangUp(): void {
    this.decoder.stop();
    this.socket.unpipe(this.decoder);
    void this.replies.then(() => this.writer.end());
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

function discardingConsumer(onEnd: () => Promise<void>): BodyConsumer {
  return { write: async () => undefined, finish: onEnd, abort: onEnd };
}
