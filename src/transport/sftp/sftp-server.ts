import { AddressInfo, createServer, Server as NetServer, Socket } from 'node:net';
import { Server as SshServer } from 'ssh2';
import { Application } from '../../app/composition-root';
import { ListenOptions } from '../ferry-server';
import { ConnectionLimits, SftpConnection } from './sftp-connection';
import { assertSsh2Patched } from './ssh2-patch';

/** The SSH host key the server proves itself with. */
export interface SftpHostKey {
  /** The private key in OpenSSH format, as ssh2 takes it. */
  readonly privateKey: Buffer;
  /** `SHA256:...`, as OpenSSH prints it when it asks whether to trust the server. */
  readonly fingerprint: string;
}

export interface SftpServerOptions extends ConnectionLimits {
  readonly hostKey: SftpHostKey;
}

/** Shutdown: connections still open this long after they were asked to close are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The SFTP transport: an SSH server (ssh2) whose only service is the `sftp` subsystem, over the same use
 * cases as the native transport. It shares the application's connection gate, so bans and connection
 * limits count both transports together. Stopping it does not close the application: the native server
 * does that, after this one has stopped.
 */
export class SftpServer {
  private readonly listener: NetServer;
  private readonly ssh: SshServer;
  private readonly sockets = new Set<Socket>();
  /** Sockets whose SSH handshake has not finished, by remote address: they must finish in time. */
  private readonly handshaking = new Map<string, NodeJS.Timeout>();
  private readonly connections = new Map<SftpConnection, Promise<void>>();
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly app: Application,
    private readonly options: SftpServerOptions,
  ) {
    assertSsh2Patched();
    this.ssh = new SshServer({ hostKeys: [options.hostKey.privateKey], ident: 'Ferry' }, (client, info) => {
      const remote = `${info.ip}:${info.port}`;
      clearTimeout(this.handshaking.get(remote));
      this.handshaking.delete(remote);
      const connection = new SftpConnection(
        client,
        remote,
        app.handlers,
        () => app.ledger.drain(),
        app.logger,
        options,
      );
      const done = connection
        .run()
        .catch((error) => app.logger.error('SFTP session failed', { error: String(error) }))
        .finally(() => this.connections.delete(connection));
      this.connections.set(connection, done);
    });
    this.ssh.on('error', (error: Error) => app.logger.debug('SSH server error', { error: error.message }));
    // Admission first, on the raw socket: a banned or surplus connection costs no SSH handshake.
    this.listener = createServer((socket) => this.accept(socket));
  }

  get fingerprint(): string {
    return this.options.hostKey.fingerprint;
  }

  get address(): AddressInfo {
    return this.listener.address() as AddressInfo;
  }

  listen(options: ListenOptions): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(options.port, options.host, () => {
        this.listener.off('error', reject);
        this.listener.on('error', (error) =>
          this.app.logger.error('accepting an SFTP connection failed', { error: error.message }),
        );
        resolve(this.address);
      });
    });
  }

  /** Stops accepting, closes every connection (recording each SessionClosed), cuts stragglers after a grace. */
  stop(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
      for (const connection of this.connections.keys()) connection.shutdown();
      const force = setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
      }, graceMs);
      await Promise.all(this.connections.values());
      clearTimeout(force);
      for (const socket of this.sockets) socket.destroy();
      await closed;
    })();
    return this.stopping;
  }

  /** Cuts every connection now (a second SIGTERM): each session still records how its requests ended. */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined);
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const admission = this.app.handlers.gate.admit(`${socket.remoteAddress}:${socket.remotePort}`);
    if (!admission.ok) {
      // SSH has no way to say why before its handshake: the connection is closed (the gate counts it).
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    // A peer that never finishes the SSH handshake is not a session yet, but must not hold a connection.
    this.handshaking.set(
      remote,
      setTimeout(() => socket.destroy(), this.options.loginTimeoutMs),
    );
    socket.once('close', () => {
      clearTimeout(this.handshaking.get(remote));
      this.handshaking.delete(remote);
      this.sockets.delete(socket);
      admission.value.release();
    });
    coalesceWrites(socket);
    this.ssh.injectSocket(socket);
  }
}

/**
 * ssh2 writes every SSH packet to the socket on its own: a 32 KiB READ reply is two packets, and a put
 * answers each WRITE with a status. Corked from the first write of an event-loop turn until the turn's
 * I/O is done, they leave in one writev: measured, most of the gain of a put and a part of a get's.
 */
function coalesceWrites(socket: Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  socket.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  }) as Socket['write'];
}
