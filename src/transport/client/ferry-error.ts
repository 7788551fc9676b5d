import { ErrorCode } from '../../domain/errors';

/** Codes the server sends, plus what only a client can observe. */
export type ClientErrorCode = ErrorCode | 'CONNECTION_LOST' | 'PROTOCOL_ERROR';

export class FerryError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FerryError';
  }
}
