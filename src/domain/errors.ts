/** The one catalogue of error codes: the same code travels over the wire, into the audit log and to the CLI. */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_COMMAND',
  'LINE_TOO_LONG',
  'BAD_NAME',
  'NOT_FOUND',
  'CHECKSUM_MISMATCH',
  'SIZE_MISMATCH',
  'VERSION_CONFLICT',
  'STORAGE_FAILED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface DomainError {
  readonly code: ErrorCode;
  readonly message: string;
}

export function domainError(code: ErrorCode, message: string): DomainError {
  return { code, message };
}

export function isErrorCode(value: string): value is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(value);
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DomainError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: domainError(code, message) };
}
