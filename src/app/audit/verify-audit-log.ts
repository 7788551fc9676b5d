import { AuditResult, failed, passed } from '../../domain/audit/audit-failure';
import { blobReferences } from '../../domain/audit/blob-references';
import { SignedCheckpoint } from '../../domain/audit/checkpoint';
import { checkExtendsKeptCheckpoint } from '../../domain/audit/kept-checkpoint';
import { scanAuditLog, ScannedLog } from '../../domain/audit/log-scan';
import { storedNodes } from '../../domain/audit/stored-nodes';
import { AuditToolkit } from './audit-toolkit';
import { verifyBlobs } from './verify-blobs';

export interface VerifyOptions {
  /** A checkpoint kept outside the data folder, which today's log must extend. */
  readonly against?: SignedCheckpoint;
}

export interface VerifiedAuditLog {
  readonly events: number;
  readonly root: Uint8Array;
  readonly checkpoints: number;
  /** Events after this many are not yet covered by any checkpoint. */
  readonly latestCheckpointSize: number;
  readonly blobs: number;
  readonly against?: SignedCheckpoint;
}

/**
 * The whole audit of a data folder: the log, its tree and checkpoints in one consistent snapshot (so a
 * server appending meanwhile changes nothing), optionally a kept checkpoint, then every referenced blob.
 */
export async function verifyAuditLog(
  toolkit: AuditToolkit,
  options: VerifyOptions = {},
): Promise<AuditResult<VerifiedAuditLog>> {
  const scanned = toolkit.reader.snapshot(() => scanWithKeptCheckpoint(toolkit, options.against));
  if (!scanned.ok) return scanned;
  const log = scanned.value;
  const blobs = await verifyBlobs(toolkit.blobs, toolkit.hashStream, blobReferences(log.catalogue));
  if (!blobs.ok) return blobs;
  return passed({
    events: log.size,
    root: log.root,
    checkpoints: log.checkpoints,
    latestCheckpointSize: log.latestCheckpoint?.size ?? 0,
    blobs: blobs.value,
    ...(options.against === undefined ? {} : { against: options.against }),
  });
}

function scanWithKeptCheckpoint(
  toolkit: AuditToolkit,
  kept: SignedCheckpoint | undefined,
): AuditResult<ScannedLog> {
  const { reader, hash, trustedKey } = toolkit;
  const scan = scanAuditLog(reader, hash, trustedKey);
  if (!scan.ok || kept === undefined) return scan;
  if (trustedKey === undefined) {
    return failed('UNREADABLE', 'there is no public key to check the kept checkpoint with: use --key');
  }
  const extended = checkExtendsKeptCheckpoint(hash, trustedKey, storedNodes(reader), kept, scan.value);
  return extended.ok ? scan : extended;
}
