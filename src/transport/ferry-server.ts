import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { Application } from '../app/composition-root';
import { reply } from './codec/replies';
import { DEFAULT_SERVER_OPTIONS, ServerOptions } from './server-options';
import { Session } from './session';
import { TlsCertificateInfo, TlsListener } from './tls-listener';

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
}

/** A refused connection is given this long to read why before it is cut. */
const REFUSED_LINGER_MS = 2000;

/** Requests in hand get this long to finish at shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Accepts connections and runs one Session each; many at once, none waiting on another. */
export class FerryServer {
  private readonly server: Server;
  private readonly tlsListener: TlsListener | undefined;
  /** Raw connections, handshakes in progress included, so a stop can cut those that never became sessions. */
  private readonly connections = new Set<Socket>();
  private readonly sessions = new Map<Session, Promise<void>>();
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly app: Application,
    private readonly options: ServerOptions = DEFAULT_SERVER_OPTIONS,
  ) {
    // Half-open: a peer that sends its last request and closes its side still gets every reply.
    if (options.tls) {
      this.tlsListener = new TlsListener(options.tls, { allowHalfOpen: true }, (socket) =>
        this.accept(socket),
      );
      this.server = this.tlsListener.server;
      // A peer that does not speak TLS (or gives up mid-handshake) costs its connection, nothing more.
      this.tlsListener.server.on('tlsClientError', (error, socket) =>
        this.app.logger.debug('TLS handshake failed', {
          remote: `${socket.remoteAddress}:${socket.remotePort}`,
          error: (error as { reason?: string }).reason ?? error.message,
        }),
      );
    } else {
      this.server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    }
    this.server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  listen(options: ListenOptions): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(options.port, options.host, () => {
        this.server.off('error', reject);
        // Once listening, an error is one failed accept (out of file descriptors, say): log it, keep serving.
        this.server.on('error', (error) =>
          this.app.logger.error('accepting a connection failed', { error: error.message }),
        );
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** Whether connections are TLS. */
  get tls(): boolean {
    return this.tlsListener !== undefined;
  }

  /**
   * Re-reads the TLS certificate and key files (on SIGHUP, say): new connections get the new certificate,
   * open ones carry on. Throws with the reason, keeping the certificate in use, if the files are unusable.
   */
  reloadTls(): TlsCertificateInfo {
    if (!this.tlsListener) throw new Error('the server does not use TLS');
    return this.tlsListener.reload();
  }

  /** Stops accepting, lets requests in hand finish (or cuts them after a grace period), closes the log. */
  stop(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const session of this.sessions.keys()) session.shutdown(false);
      const force = setTimeout(() => {
        for (const session of this.sessions.keys()) session.shutdown(true);
      }, graceMs);
      await Promise.all(this.sessions.values());
      clearTimeout(force);
      // Whatever is left never became a session: a TLS handshake that has not finished, say.
      for (const socket of this.connections) socket.destroy();
      await closed;
      await this.app.close();
    })();
    return this.stopping;
  }

  /** Cuts every connection now (a second SIGTERM): each session still records how its request ended. */
  cut(): void {
    for (const session of this.sessions.keys()) session.shutdown(true);
    for (const socket of this.connections) socket.destroy();
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const admission = this.app.handlers.gate.admit(`${socket.remoteAddress}:${socket.remotePort}`);
    if (!admission.ok) {
      // One line saying why, then gone; no session, so no event of its own (the gate counts refusals).
      socket.on('error', () => undefined);
      socket.end(reply.error(admission.error));
      setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
      return;
    }
    socket.setNoDelay(true);
    // The session keeps its own deadlines (idle, login, line): a byte that arrives is not progress as such.
    const session = new Session(socket, this.app.handlers, () => this.app.ledger.drain(), this.app.logger, {
      idleTimeoutMs: this.options.idleTimeoutMs,
      loginTimeoutMs: this.options.loginTimeoutMs,
      lineTimeoutMs: this.options.lineTimeoutMs,
      tls: this.tls,
    });
    const done = session
      .run()
      .catch((error) => {
        this.app.logger.error('session failed', { error: String(error) });
        socket.destroy();
      })
      .finally(() => {
        admission.value.release();
        this.sessions.delete(session);
      });
    this.sessions.set(session, done);
  }
}
