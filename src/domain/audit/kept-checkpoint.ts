import { AuditResult, failed, passed } from './audit-failure';
import { checkCheckpointSignature, checkpointLabel, SignedCheckpoint } from './checkpoint';
import { HashFn } from './hash';
import { consistencyProof, MerkleNodeReader, verifyConsistency } from './merkle';
import { SignatureVerifier } from '../ports/signature-verifier.port';

export interface CurrentTree {
  readonly size: number;
  readonly root: Uint8Array;
}

/**
 * Holds today's log to a checkpoint kept elsewhere: the checkpoint must be signed by the trusted key, and
 * an RFC 9162 consistency proof must show that today's tree extends it. Whoever rewrote or removed
 * anything up to that checkpoint cannot pass this, even after deleting every checkpoint in the database,
 * because they cannot sign a replacement for the copy kept outside it.
 */
export function checkExtendsKeptCheckpoint(
  hash: HashFn,
  trustedKey: SignatureVerifier,
  nodes: MerkleNodeReader,
  kept: SignedCheckpoint,
  current: CurrentTree,
): AuditResult<SignedCheckpoint> {
  const signed = checkCheckpointSignature(trustedKey, kept);
  if (!signed.ok) return signed;
  const label = `the kept ${checkpointLabel(kept)}`;
  if (kept.size > current.size) {
    return failed(
      'LOG_TRUNCATED',
      `${label} covers more than the log's ${current.size} events: ` +
        `events ${current.size + 1} to ${kept.size} were removed`,
      { seq: current.size + 1 },
    );
  }
  let proof: Uint8Array[];
  try {
    proof = consistencyProof(hash, nodes, kept.size, current.size);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return failed('NODE_MISMATCH', `no consistency proof from ${label}: ${why}`);
  }
  if (!verifyConsistency(hash, kept.size, current.size, kept.root, current.root, proof)) {
    return failed(
      'INCONSISTENT',
      `the log does not extend ${label}: events 1 to ${kept.size} were changed since it was signed`,
    );
  }
  return passed(kept);
}
