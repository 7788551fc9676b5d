import { AuditResult, failed, passed } from '../../domain/audit/audit-failure';
import { SignedCheckpoint } from '../../domain/audit/checkpoint';
import {
  checkConsistencyClaim,
  ConsistencyProofDocument,
} from '../../domain/audit/consistency-proof-document';
import { toHex } from '../../domain/audit/hash';
import { consistencyProof } from '../../domain/audit/merkle';
import { storedNodes } from '../../domain/audit/stored-nodes';
import { AuditToolkit } from './audit-toolkit';

/**
 * `ferry audit prove-consistency`: the proof that the log's checkpoint of `toSize` (the newest by default)
 * extends `older`, a checkpoint someone kept. Checked before it is handed out, as a third party will.
 */
export function proveConsistency(
  toolkit: AuditToolkit,
  older: SignedCheckpoint,
  toSize?: number,
): AuditResult<{ document: ConsistencyProofDocument; newer: SignedCheckpoint }> {
  const { reader, hash, trustedKey } = toolkit;
  if (trustedKey === undefined) return failed('UNREADABLE', 'the data folder has no public key');
  return reader.snapshot(() => {
    const newer = toSize === undefined ? reader.latestCheckpoint() : reader.checkpointOfSize(toSize);
    if (newer === undefined) {
      return failed(
        'NO_CHECKPOINT',
        toSize === undefined ? 'there is no checkpoint yet' : `there is no checkpoint of size ${toSize}`,
      );
    }
    if (older.size > newer.size) {
      return failed(
        'LOG_TRUNCATED',
        `the kept checkpoint covers ${older.size} events, the log's checkpoint only ${newer.size}`,
      );
    }
    let proof: Uint8Array[];
    try {
      proof = consistencyProof(hash, storedNodes(reader), older.size, newer.size);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return failed('NODE_MISMATCH', `no consistency proof from size ${older.size}: ${why}`);
    }
    const document = { oldSize: older.size, newSize: newer.size, proof: proof.map(toHex) };
    const checked = checkConsistencyClaim(hash, trustedKey, older, newer, document);
    return checked.ok ? passed({ document, newer }) : checked;
  });
}
