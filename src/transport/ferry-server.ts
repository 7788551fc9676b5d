import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { Application } from '../app/composition-root';
import { Session } from './session';

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
}

/** Requests in hand get this long to finish at shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface ServerOptions {
  /** A connection that sends and accepts nothing for this long is closed, mid-transfer or not. */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = { idleTimeoutMs: 5 * 60_000 };

/** Accepts connections and runs one Session each; many at once, none waiting on another. */
export class FerryServer {
  private readonly server: Server;
  private readonly sessions = new Map<Session, Promise<void>>();
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly app: Application,
    private readonly options: ServerOptions = DEFAULT_SERVER_OPTIONS,
  ) {
    // Half-open: a peer that sends its last request and closes its side still gets every reply.
    this.server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  listen(options: ListenOptions): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(options.port, options.host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
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
      await closed;
      await this.app.close();
    })();
    return this.stopping;
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setTimeout(this.options.idleTimeoutMs);
    const session = new Session(socket, this.app.handlers, () => this.app.ledger.drain(), this.app.logger);
    const done = session
      .run()
      .catch((error) => {
        this.app.logger.error('session failed', { error: String(error) });
        socket.destroy();
      })
      .finally(() => this.sessions.delete(session));
    this.sessions.set(session, done);
  }
}
