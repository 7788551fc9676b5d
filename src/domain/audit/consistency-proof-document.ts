import { AuditResult, failed, passed } from './audit-failure';
import { checkCheckpointSignature, checkpointLabel, SignedCheckpoint } from './checkpoint';
import { isLowerHex } from './checkpoint-document';
import { fromHex, HashFn } from './hash';
import { verifyConsistency } from './merkle';
import { SignatureVerifier } from '../ports/signature-verifier.port';
import { isTreeSize } from './merkle-hashing';

/**
 * An RFC 9162 consistency proof between two tree sizes, as `ferry audit prove-consistency` prints it:
 * the hashes in lowercase hex. With the two checkpoints it joins, it shows that the log of `newSize`
 * events is the log of `oldSize` events with events appended, and nothing before them changed.
 */
export interface ConsistencyProofDocument {
  readonly oldSize: number;
  readonly newSize: number;
  readonly proof: readonly string[];
}

export function parseConsistencyProofDocument(
  value: unknown,
  what = 'proof',
): AuditResult<ConsistencyProofDocument> {
  const document = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { oldSize, newSize, proof } = document;
  if (
    !isTreeSize(oldSize) ||
    !isTreeSize(newSize) ||
    !Array.isArray(proof) ||
    !proof.every((hash) => isLowerHex(hash))
  ) {
    return failed(
      'PROOF_INVALID',
      `${what} is not a consistency proof ({oldSize, newSize, proof: [hex...]})`,
    );
  }
  return passed({ oldSize, newSize, proof: proof as string[] });
}

/**
 * Checks, with nothing but the trusted key, that `newer` extends `older`: both signed by the key, the proof
 * for exactly their sizes, and the proof leading from one root to the other.
 */
export function checkConsistencyClaim(
  hash: HashFn,
  trustedKey: SignatureVerifier,
  older: SignedCheckpoint,
  newer: SignedCheckpoint,
  proof: ConsistencyProofDocument,
): AuditResult<void> {
  for (const checkpoint of [older, newer]) {
    const signed = checkCheckpointSignature(trustedKey, checkpoint);
    if (!signed.ok) return signed;
  }
  // A checkpoint from before the log was named carries no name; after, every one carries the same.
  if (older.origin !== undefined && older.origin !== newer.origin) {
    return failed(
      'PROOF_INVALID',
      `the two checkpoints are of different logs (${older.origin} and ${newer.origin})`,
    );
  }
  if (proof.oldSize !== older.size || proof.newSize !== newer.size) {
    return failed(
      'PROOF_INVALID',
      `the proof is from size ${proof.oldSize} to ${proof.newSize}, the checkpoints of sizes ${older.size} and ${newer.size}`,
    );
  }
  const hashes = proof.proof.map(fromHex);
  if (!verifyConsistency(hash, older.size, newer.size, older.root, newer.root, hashes)) {
    return failed(
      'INCONSISTENT',
      `the ${checkpointLabel(newer)} does not extend the ${checkpointLabel(older)}: the log was rewritten in between`,
    );
  }
  return passed(undefined);
}
