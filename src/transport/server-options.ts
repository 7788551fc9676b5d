import { TlsFiles } from './tls-listener';

export interface ServerOptions {
  /**
   * A connection that makes no progress for this long is closed, mid-transfer or not. Progress is a
   * complete request line, upload bytes, or reply and download bytes the peer accepted; blank lines are not.
   */
  readonly idleTimeoutMs: number;
  /** A session that must log in and has not done so this long after its greeting is closed. */
  readonly loginTimeoutMs: number;
  /** A request line must end this long after its first byte; trickling bytes does not extend it. */
  readonly lineTimeoutMs: number;
  /** PEM certificate and key files: listen with TLS (1.2 or later) instead of plain TCP. */
  readonly tls?: TlsFiles;
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  idleTimeoutMs: 5 * 60_000,
  loginTimeoutMs: 30_000,
  lineTimeoutMs: 30_000,
};
