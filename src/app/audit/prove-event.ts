import { AuditResult, failed, passed } from '../../domain/audit/audit-failure';
import { SignedCheckpoint } from '../../domain/audit/checkpoint';
import { toCheckpointDocument } from '../../domain/audit/checkpoint-document';
import { toHex } from '../../domain/audit/hash';
import {
  checkInclusionClaim,
  InclusionProofDocument,
  parseInclusionProofDocument,
} from '../../domain/audit/inclusion-proof-document';
import { inclusionProof } from '../../domain/audit/merkle';
import { storedNodes } from '../../domain/audit/stored-nodes';
import { AuditLogReader } from '../../domain/ports/audit-log-reader.port';
import { AuditToolkit } from './audit-toolkit';

/**
 * An inclusion proof for one event against the latest checkpoint (or the one of the given size), built
 * from O(log n) stored nodes. It is checked before it is handed out, as its recipient will check it: a
 * damaged database yields a failure here, not a proof that fails somewhere else.
 */
export function proveEvent(
  toolkit: AuditToolkit,
  seq: number,
  size?: number,
): AuditResult<InclusionProofDocument> {
  const { reader, hash, trustedKey } = toolkit;
  if (trustedKey === undefined) return failed('UNREADABLE', 'the data folder has no public key');
  return reader.snapshot(() => {
    const row = reader.record(seq);
    if (row === undefined) return failed('NO_SUCH_EVENT', `there is no event ${seq}`, { seq });
    const checkpoint = chooseCheckpoint(reader, seq, size);
    if (!checkpoint.ok) return checkpoint;
    let proof: Uint8Array[];
    try {
      proof = inclusionProof(hash, storedNodes(reader), seq - 1, checkpoint.value.size);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return failed('NODE_MISMATCH', `no proof for event ${seq}: ${why}`, { seq });
    }
    const document: InclusionProofDocument = {
      seq,
      leafIndex: seq - 1,
      record: row.record,
      checkpoint: toCheckpointDocument(checkpoint.value, trustedKey.publicKeyText),
      inclusionProof: proof.map(toHex),
    };
    const claim = parseInclusionProofDocument(document);
    const checked = claim.ok ? checkInclusionClaim(hash, trustedKey, claim.value) : claim;
    return checked.ok ? passed(document) : checked;
  });
}

function chooseCheckpoint(
  reader: AuditLogReader,
  seq: number,
  size: number | undefined,
): AuditResult<SignedCheckpoint> {
  const checkpoint = size === undefined ? reader.latestCheckpoint() : reader.checkpointOfSize(size);
  if (checkpoint === undefined) {
    return failed(
      'NO_CHECKPOINT',
      size === undefined ? 'there is no checkpoint yet' : `there is no checkpoint of size ${size}`,
    );
  }
  if (seq > checkpoint.size) {
    return failed(
      'NO_CHECKPOINT',
      `event ${seq} is not covered by the checkpoint of size ${checkpoint.size}` +
        (size === undefined ? ' yet: the next checkpoint will cover it' : ''),
      { seq },
    );
  }
  return passed(checkpoint);
}
