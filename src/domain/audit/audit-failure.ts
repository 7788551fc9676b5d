/**
 * Why an audit check failed, as a stable code a script can branch on. The message is for people; the
 * event seq or blob SHA-256, when there is one, names the first thing found wrong.
 */
export const AUDIT_FAILURE_CODES = [
  /** The database or key the check needs is not there or not readable. */
  'UNREADABLE',
  /** A seq is missing from the events table: a row was deleted. */
  'EVENT_GAP',
  /** A record is not a JSON event that the catalogue can fold. */
  'RECORD_INVALID',
  /** A record names a different seq than its row: rows were reordered or swapped. */
  'SEQ_MISMATCH',
  /** A record no longer hashes to the leaf stored when it was appended: it was edited. */
  'LEAF_MISMATCH',
  /** A Merkle node is missing or differs from the one recomputed from the records. */
  'NODE_MISMATCH',
  /** The log ends before a checkpoint or a stored leaf says it did: its tail was removed. */
  'LOG_TRUNCATED',
  /** A checkpoint's root differs from the root of the records it covers. */
  'CHECKPOINT_MISMATCH',
  /** A checkpoint is malformed, signed by another key, or its signature does not verify. */
  'SIGNATURE_INVALID',
  /** The log today does not extend a checkpoint kept from earlier. */
  'INCONSISTENT',
  /**
   * The catalogue tables in the data folder (what the server answers from) differ from the log folded
   * afresh, or reflect fewer events than the log holds.
   */
  'CATALOGUE_MISMATCH',
  /** There is no checkpoint of the asked size, or none yet covering the asked event. */
  'NO_CHECKPOINT',
  /** An event asked about is not in the log. */
  'NO_SUCH_EVENT',
  /** An inclusion proof document is malformed or does not prove what it claims. */
  'PROOF_INVALID',
  /** No checkpoint carries valid cosignatures of as many of the trusted witnesses as asked. */
  'NOT_WITNESSED',
  /** A blob a file version refers to is not in the store. */
  'BLOB_MISSING',
  /** A blob's bytes do not hash to (or are not as long as) the version recorded for them. */
  'BLOB_CORRUPT',
] as const;

export type AuditFailureCode = (typeof AUDIT_FAILURE_CODES)[number];

export interface AuditFailure {
  readonly code: AuditFailureCode;
  readonly message: string;
  /** The first event found wrong, if the failure is about one. */
  readonly seq?: number;
  /** The blob found wrong, if the failure is about one. */
  readonly sha256?: string;
}

export type AuditResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: AuditFailure };

export function passed<T>(value: T): AuditResult<T> {
  return { ok: true, value };
}

export function failed<T = never>(
  code: AuditFailureCode,
  message: string,
  subject: { seq?: number; sha256?: string } = {},
): AuditResult<T> {
  return { ok: false, failure: { code, message, ...subject } };
}
