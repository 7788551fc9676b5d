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
  /** A command other than HELP or LOGIN before a login, where logging in is required; or a failed login. */
  'UNAUTHENTICATED',
  /** The account may not do this: its role does not allow it, or the name lies outside its home prefix. */
  'FORBIDDEN',
  'QUOTA_EXCEEDED',
  /** Larger than the server's maximum file size. */
  'TOO_LARGE',
  /** The data folder's file system has too little free space left for this upload. */
  'STORAGE_FULL',
  /** The remote address is banned after too many failed logins. */
  'BANNED',
  /** The server, or this address, has as many connections as it allows. */
  'TOO_MANY_CONNECTIONS',
  /** The login deadline or the header-line deadline passed. */
  'TIMEOUT',
  /** An account name that already exists (USER ADD), or a login in a session that has one. */
  'CONFLICT',
  /** A resumed upload's offset is not where its held bytes end (OFFSET says where they do). */
  'OFFSET_MISMATCH',
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
