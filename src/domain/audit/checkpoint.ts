import { AuditResult, failed, passed } from './audit-failure';
import { canonicalJson } from './canonical-json';
import { toHex } from './hash';
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

/** A tree head signed by the server's key: what a third party keeps and later holds the log to. */
export interface SignedCheckpoint extends TreeHead {
  readonly keyId: string;
  readonly signature: Uint8Array;
}

/**
 * The exact bytes signed: UTF-8 of the RFC 8785 canonical JSON of
 * {"at", "format", "keyId", "root" (lowercase hex), "size"}. docs/AUDIT.md spells this out for re-implementers.
 */
export function checkpointSigningBytes(head: TreeHead, keyId: string): Uint8Array {
  const text = canonicalJson({
    at: head.at,
    format: CHECKPOINT_FORMAT,
    keyId,
    root: toHex(head.root),
    size: head.size,
  });
  return new TextEncoder().encode(text);
}

export function signCheckpoint(signer: CheckpointSigner, head: TreeHead): SignedCheckpoint {
  const signature = signer.sign(checkpointSigningBytes(head, signer.keyId));
  return { size: head.size, root: head.root.slice(), at: head.at, keyId: signer.keyId, signature };
}

/** Accepts a checkpoint only if the trusted key, and no other, signed exactly these fields. */
export function checkCheckpointSignature(
  trustedKey: SignatureVerifier,
  checkpoint: SignedCheckpoint,
): AuditResult<SignedCheckpoint> {
  const label = `checkpoint of size ${checkpoint.size} (${checkpoint.at})`;
  if (checkpoint.keyId !== trustedKey.keyId) {
    return failed(
      'SIGNATURE_INVALID',
      `${label} names key ${checkpoint.keyId}, not the trusted key ${trustedKey.keyId}`,
    );
  }
  const signed = trustedKey.verify(
    checkpointSigningBytes(checkpoint, checkpoint.keyId),
    checkpoint.signature,
  );
  return signed
    ? passed(checkpoint)
    : failed('SIGNATURE_INVALID', `${label} has a signature that does not verify`);
}
