import { AuditResult, failed, passed } from './audit-failure';
import { SignedCheckpoint } from './checkpoint';
import { fromHex, toHex } from './hash';

/**
 * A checkpoint as JSON, the form `ferry audit checkpoint` prints and `--against` and `check-proof` read.
 * Binary fields are lowercase hex. `publicKey` is a convenience for whoever receives the document; a
 * verifier never trusts it, only the key it was told to trust.
 */
export interface CheckpointDocument {
  readonly size: number;
  readonly root: string;
  readonly at: string;
  readonly keyId: string;
  readonly signature: string;
  /** The log's name: the signature is then over the checkpoint's C2SP note text. */
  readonly origin?: string;
  readonly publicKey?: string;
}

// Lowercase only: one checkpoint has one spelling, so a changed character always means a changed value.
const LOWER_HEX = /^(?:[0-9a-f]{2})+$/;

export function toCheckpointDocument(checkpoint: SignedCheckpoint, publicKey?: string): CheckpointDocument {
  return {
    size: checkpoint.size,
    root: toHex(checkpoint.root),
    at: checkpoint.at,
    keyId: checkpoint.keyId,
    signature: toHex(checkpoint.signature),
    ...(checkpoint.origin === undefined ? {} : { origin: checkpoint.origin }),
    ...(publicKey === undefined ? {} : { publicKey }),
  };
}

/** Parses untrusted JSON into a checkpoint; this says nothing yet about whether its signature holds. */
export function parseCheckpointDocument(value: unknown, what = 'checkpoint'): AuditResult<SignedCheckpoint> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failed('SIGNATURE_INVALID', `${what} is not a JSON object`);
  }
  const document = value as Record<string, unknown>;
  const { size, root, at, keyId, signature, origin } = document;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    return failed('SIGNATURE_INVALID', `${what}: size is not a tree size`);
  }
  if (!isLowerHex(root)) return failed('SIGNATURE_INVALID', `${what}: root is not lowercase hex`);
  if (!isLowerHex(keyId)) return failed('SIGNATURE_INVALID', `${what}: keyId is not lowercase hex`);
  if (!isLowerHex(signature)) return failed('SIGNATURE_INVALID', `${what}: signature is not lowercase hex`);
  if (typeof at !== 'string') return failed('SIGNATURE_INVALID', `${what}: at is not a string`);
  if (origin !== undefined && typeof origin !== 'string') {
    return failed('SIGNATURE_INVALID', `${what}: origin is not a string`);
  }
  return passed({
    size,
    root: fromHex(root),
    at,
    keyId,
    signature: fromHex(signature),
    ...(origin === undefined ? {} : { origin }),
  });
}

export function isLowerHex(text: unknown): text is string {
  return typeof text === 'string' && LOWER_HEX.test(text);
}
