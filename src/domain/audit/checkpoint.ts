import { AuditResult, failed, passed } from './audit-failure';
import { canonicalJson } from './canonical-json';
import { toBase64, toHex } from './hash';
import { CheckpointSigner } from '../ports/checkpoint-signer.port';
import { SignatureVerifier } from '../ports/signature-verifier.port';

/** Names the signed text's layout, so a signature over it can never be mistaken for one over anything else. */
export const CHECKPOINT_FORMAT = 'ferry-checkpoint/1';

/** The log's size and Merkle root at one moment. */
export interface TreeHead {
  readonly size: number;
  readonly root: Uint8Array;
  /** ISO 8601 UTC, as the server's clock read it when signing. */
  readonly at: string;
}

/**
 * A tree head signed by the server's key: what a third party keeps and later holds the log to. With an
 * `origin` (the log's name), the signature is over the C2SP tlog-checkpoint note of the head; without, it
 * is a checkpoint of the first format, over canonical JSON (logs from before the log had a name).
 */
export interface SignedCheckpoint extends TreeHead {
  readonly keyId: string;
  readonly signature: Uint8Array;
  readonly origin?: string;
}

/** `checkpoint of size 12 (2024-05-01T09:30:00.250Z)`, for messages; a checkpoint read from a note has no time. */
export function checkpointLabel(checkpoint: SignedCheckpoint): string {
  return `checkpoint of size ${checkpoint.size}${checkpoint.at === '' ? '' : ` (${checkpoint.at})`}`;
}

/**
 * The exact bytes signed. A named log's: the note text of c2sp.org/tlog-checkpoint (checkpointNoteText).
 * Otherwise: UTF-8 of the RFC 8785 canonical JSON of {"at", "format", "keyId", "root" (lowercase hex),
 * "size"}. docs/AUDIT.md spells both out for re-implementers.
 */
export function checkpointSigningBytes(head: TreeHead, keyId: string, origin?: string): Uint8Array {
  if (origin !== undefined) return new TextEncoder().encode(checkpointNoteText(origin, head));
  const text = canonicalJson({
    at: head.at,
    format: CHECKPOINT_FORMAT,
    keyId,
    root: toHex(head.root),
    size: head.size,
  });
  return new TextEncoder().encode(text);
}

export function signCheckpoint(signer: CheckpointSigner, head: TreeHead, origin?: string): SignedCheckpoint {
  const signature = signer.sign(checkpointSigningBytes(head, signer.keyId, origin));
  const named = origin === undefined ? {} : { origin };
  return { size: head.size, root: head.root.slice(), at: head.at, keyId: signer.keyId, signature, ...named };
}

/** The body of a C2SP tlog-checkpoint: origin, tree size, base64 root, each on its own line. */
export function checkpointNoteText(origin: string, head: { size: number; root: Uint8Array }): string {
  return `${origin}\n${head.size}\n${toBase64(head.root)}\n`;
}

/** Accepts a checkpoint only if the trusted key, and no other, signed exactly these fields. */
export function checkCheckpointSignature(
  trustedKey: SignatureVerifier,
  checkpoint: SignedCheckpoint,
): AuditResult<SignedCheckpoint> {
  const label = checkpointLabel(checkpoint);
  if (checkpoint.keyId !== trustedKey.keyId) {
    return failed(
      'SIGNATURE_INVALID',
      `${label} names key ${checkpoint.keyId}, not the trusted key ${trustedKey.keyId}`,
    );
  }
  const signed = trustedKey.verify(
    checkpointSigningBytes(checkpoint, checkpoint.keyId, checkpoint.origin),
    checkpoint.signature,
  );
  return signed
    ? passed(checkpoint)
    : failed('SIGNATURE_INVALID', `${label} has a signature that does not verify`);
}
