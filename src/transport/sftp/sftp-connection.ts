import { AuthContext, Connection, PublicKeyAuthContext, ServerChannel, Session, utils } from 'ssh2';
import { Handlers } from '../../app/composition-root';
import { LoginResult } from '../../app/handlers/log-in.handler';
import { domainError } from '../../domain/errors';
import { EventOrigin, SessionCloseReason } from '../../domain/events';
import { Logger } from '../../domain/ports/logger.port';
import { PathView } from './sftp-paths';
import { SftpSession } from './sftp-session';

/** SFTP version 3, the one OpenSSH speaks; recorded as the session's protocol. */
export const SFTP_PROTOCOL_VERSION = 3;

export interface ConnectionLimits {
  readonly idleTimeoutMs: number;
  readonly loginTimeoutMs: number;
}

/** What a client may try. */
const METHODS: ('password' | 'publickey')[] = ['password', 'publickey'];

/** What OpenSSH shows on stderr when asked for a shell, a command, or legacy `scp -O`. */
const NO_SHELL =
  'ferry: this server speaks SFTP only: use sftp, or scp without -O (legacy scp runs a remote command)\n';

/**
 * One SSH connection = one Ferry session: SessionOpened (transport sftp) when the SSH handshake is done,
 * a password login through the LogIn use case (so failures count towards bans and are recorded), then
 * SFTP channels driving the use cases, and SessionClosed when the connection ends.
 */
export class SftpConnection {
  private origin: EventOrigin = { actor: '', session: '', remote: '' };
  private readonly opened: Promise<void>;
  private closing: SessionCloseReason | undefined;
  private authenticated = false;
  private readonly sessions = new Set<SftpSession>();
  private idleTimer: NodeJS.Timeout | undefined;
  private loginTimer: NodeJS.Timeout | undefined;
  private readonly ended: Promise<void>;

  constructor(
    private readonly client: Connection,
    remote: string,
    private readonly handlers: Handlers,
    private readonly durable: () => Promise<void>,
    private readonly logger: Logger,
    private readonly limits: ConnectionLimits,
  ) {
    this.opened = handlers.sessions
      .open(remote, { protocol: SFTP_PROTOCOL_VERSION, transport: 'sftp' })
      .then((origin) => {
        this.origin = origin;
      });
    this.ended = new Promise((resolve) => client.once('close', () => resolve()));
    client.on('error', (error) => this.logger.debug('SSH connection error', { error: error.message }));
    client.on(
      'authentication',
      (context) => void this.authenticate(context).catch((error) => this.fail(error)),
    );
    client.on('ready', () => {
      this.authenticated = true;
      clearTimeout(this.loginTimer);
      client.on('session', (accept) => this.session(accept()));
    });
    this.loginTimer = setTimeout(() => this.cut('login-timeout'), limits.loginTimeoutMs);
    this.progress();
  }

  /** Resolves when the connection is gone and its SessionClosed is durable. */
  async run(): Promise<void> {
    await this.ended;
    clearTimeout(this.idleTimer);
    clearTimeout(this.loginTimer);
    await this.opened;
    for (const session of this.sessions) await session.close();
    await this.handlers.sessions.close(this.origin, this.closing ?? 'disconnect');
    await this.durable();
  }

  /** Server shutdown: the connection is closed; requests in hand finish before SessionClosed. */
  shutdown(): void {
    this.cut('shutdown');
  }

  private cut(reason: SessionCloseReason): void {
    this.closing ??= reason;
    this.client.end();
  }

  private progress(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.cut('idle'), this.limits.idleTimeoutMs);
  }

  private async authenticate(context: AuthContext): Promise<void> {
    await this.opened;
    this.progress();
    if (this.authenticated || this.closing) return context.reject();
    // No anonymous SFTP: an SSH login always names a user, and acting as `anonymous` under it would record
    // an actor the client never asked to be. Without accounts, every SFTP login fails.
    if (context.method === 'password') {
      const result = await this.handlers.login.execute(this.origin, context.username, context.password);
      return this.conclude(context, result);
    }
    // A client offers its keys one by one and signs only with one the server accepts: an offer is a
    // question, not an attempt, so only a signed login is one (and is recorded, like a password).
    if (
      context.method === 'publickey' &&
      this.handlers.login.acceptsKey(context.username, context.key.data)
    ) {
      if (!context.signature) return context.accept();
      if (signedBy(context)) {
        const result = await this.handlers.login.withPublicKey(
          this.origin,
          context.username,
          context.key.data,
        );
        return this.conclude(context, result);
      }
    }
    context.reject(METHODS);
  }

  /** A login the use case decided: the session acts as the account from now on, or the client is told no. */
  private conclude(context: AuthContext, result: LoginResult): void {
    if (result.ok) {
      this.origin = result.origin;
      return context.accept();
    }
    context.reject(METHODS);
    if (result.disconnect) this.cut('protocol-error');
  }

  private session(session: Session): void {
    session.on('sftp', (accept) => {
      const sftp = accept();
      const rights = this.handlers.access.rights(this.origin);
      const home = rights.ok ? (rights.value.prefix ?? '') : '';
      const served = new SftpSession(
        sftp,
        this.handlers,
        new PathView(home),
        { origin: () => this.origin, progress: () => this.progress() },
        this.logger,
      );
      this.sessions.add(served);
      // OpenSSH's sftp and scp wait for an exit status before they exit: send one when the client ends.
      sftp.once('end', () => {
        void served.close().finally(() => {
          const channel = sftp as unknown as SftpChannel;
          try {
            channel._protocol.exitStatus(channel.outgoing.id, 0);
          } catch (error) {
            this.logger.debug('SFTP exit status not sent', { error: String(error) });
          }
          sftp.end();
        });
      });
    });
    // Shells, commands and legacy scp (`scp -O` runs `scp -t` remotely) are refused with a reason, and recorded.
    const refuse = (command: string, accept: () => ServerChannel, subject?: string) => {
      const error = domainError('UNKNOWN_COMMAND', 'this server speaks SFTP only');
      void this.handlers.reject.execute(this.origin, command, error, subject);
      const channel = accept();
      channel.stderr.write(NO_SHELL);
      channel.exit(1);
      channel.end();
    };
    session.on('exec', (accept, _reject, info) => refuse('SSH exec', accept, info.command.slice(0, 256)));
    session.on('shell', (accept) => refuse('SSH shell', accept));
    session.on('pty', (_accept, reject) => reject());
  }

  private fail(error: unknown): void {
    this.logger.error('SSH authentication failed inside', {
      session: this.origin.session,
      error: String(error),
    });
    this.cut('protocol-error');
  }
}

/** Whether the signature of the login request was made with the offered key's private half. */
function signedBy(context: PublicKeyAuthContext): boolean {
  const key = utils.parseKey(context.key.data);
  if (key instanceof Error || !context.blob || !context.signature) return false;
  const parsed = Array.isArray(key) ? key[0] : key;
  return parsed.verify(context.blob, context.signature, context.hashAlgo) === true;
}

/** ssh2's SFTP object is its channel too, but without the channel's `exit`: the two fields that send one. */
interface SftpChannel {
  readonly _protocol: { exitStatus(channel: number, status: number): void };
  readonly outgoing: { readonly id: number };
}
