import { ErrorCode } from '../../domain/errors';

/**
 * Codes the server sends, plus what only a client can observe. TLS_FAILED: no TLS session could be set up,
 * e.g. the server's certificate is not trusted.
 */
export type ClientErrorCode = ErrorCode | 'CONNECTION_LOST' | 'PROTOCOL_ERROR' | 'TLS_FAILED';

/** The connection went, or never came: what a retry on a new connection may mend. */
export function isConnectionLost(error: unknown): boolean {
  return error instanceof FerryError && error.code === 'CONNECTION_LOST';
}

export class FerryError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FerryError';
  }
}
