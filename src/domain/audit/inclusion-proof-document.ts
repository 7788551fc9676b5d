import { AuditResult, failed, passed } from './audit-failure';
import { checkCheckpointSignature, SignedCheckpoint } from './checkpoint';
import { CheckpointDocument, isLowerHex, parseCheckpointDocument } from './checkpoint-document';
import { fromHex, HashFn } from './hash';
import { leafHash, verifyInclusion } from './merkle';
import { SignatureVerifier } from '../ports/signature-verifier.port';

/**
 * What `ferry audit prove` prints and `ferry audit check-proof` checks: one event's exact stored record,
 * its place in the tree, a signed checkpoint and the RFC 9162 inclusion proof (lowest sibling first) that
 * links the two. Everything in it is checkable with the public key alone.
 */
export interface InclusionProofDocument {
  readonly seq: number;
  readonly leafIndex: number;
  readonly record: string;
  readonly checkpoint: CheckpointDocument;
  readonly inclusionProof: readonly string[];
}

export interface InclusionClaim {
  readonly seq: number;
  readonly leafIndex: number;
  readonly record: string;
  readonly checkpoint: SignedCheckpoint;
  readonly proof: readonly Uint8Array[];
}

export interface ProvenInclusion {
  readonly seq: number;
  readonly checkpoint: SignedCheckpoint;
}

export function parseInclusionProofDocument(value: unknown): AuditResult<InclusionClaim> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failed('PROOF_INVALID', 'the proof is not a JSON object');
  }
  const { seq, leafIndex, record, checkpoint, inclusionProof } = value as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    return failed('PROOF_INVALID', 'the proof has no valid seq');
  }
  if (typeof leafIndex !== 'number' || leafIndex !== seq - 1) {
    return failed('PROOF_INVALID', `the proof puts seq ${seq} at leaf ${String(leafIndex)}, not ${seq - 1}`);
  }
  // A lone surrogate has no UTF-8 form: encoding would turn it into U+FFFD and two records into one leaf.
  if (typeof record !== 'string' || !record.isWellFormed()) {
    return failed('PROOF_INVALID', 'the proof has no well-formed record');
  }
  if (!Array.isArray(inclusionProof) || !inclusionProof.every(isLowerHex)) {
    return failed('PROOF_INVALID', 'the inclusion proof is not a list of lowercase hex hashes');
  }
  const parsed = parseCheckpointDocument(checkpoint, "the proof's checkpoint");
  if (!parsed.ok) return parsed;
  return passed({ seq, leafIndex, record, checkpoint: parsed.value, proof: inclusionProof.map(fromHex) });
}

/**
 * Checks, trusting nothing but the key: the checkpoint is signed by it, the record is the event it claims
 * to be, and the record's leaf hash, climbed up the proof, reaches the checkpoint's root.
 */
export function checkInclusionClaim(
  hash: HashFn,
  trustedKey: SignatureVerifier,
  claim: InclusionClaim,
): AuditResult<ProvenInclusion> {
  const signed = checkCheckpointSignature(trustedKey, claim.checkpoint);
  if (!signed.ok) return signed;
  const recordSeq = seqOfRecord(claim.record);
  if (recordSeq !== claim.seq) {
    return failed('PROOF_INVALID', `the record is not event ${claim.seq} (it says ${String(recordSeq)})`, {
      seq: claim.seq,
    });
  }
  const leaf = leafHash(hash, new TextEncoder().encode(claim.record));
  const { size, root } = claim.checkpoint;
  if (!verifyInclusion(hash, claim.leafIndex, size, leaf, [...claim.proof], root)) {
    return failed('PROOF_INVALID', `event ${claim.seq} is not proven to be in the log of size ${size}`, {
      seq: claim.seq,
    });
  }
  return passed({ seq: claim.seq, checkpoint: claim.checkpoint });
}

function seqOfRecord(record: string): unknown {
  try {
    const parsed: unknown = JSON.parse(record);
    return typeof parsed === 'object' && parsed !== null ? (parsed as { seq?: unknown }).seq : undefined;
  } catch {
    return undefined;
  }
}
