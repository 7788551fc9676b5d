import { AuditResult, failed, passed } from '../../domain/audit/audit-failure';
import { catalogueMismatch } from '../../domain/audit/catalogue-mismatch';
import { SignedCheckpoint } from '../../domain/audit/checkpoint';
import { checkExtendsKeptCheckpoint } from '../../domain/audit/kept-checkpoint';
import { scanAuditLog, ScannedLog } from '../../domain/audit/log-scan';
import { storedNodes } from '../../domain/audit/stored-nodes';
import { ScratchProjection } from '../../domain/ports/scratch-projection.port';
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
 * The whole audit of a data folder, in one consistent snapshot of its database (so a server appending
 * meanwhile changes nothing): the log, its tree and checkpoints, folded as it is read into a projection in
 * a scratch store; optionally a kept checkpoint; the data folder's catalogue tables held to that
 * projection. Then every blob the projection refers to. The scratch projection, not the data folder's
 * tables, says which blobs must exist: it comes from the log alone.
 */
export async function verifyAuditLog(
  toolkit: AuditToolkit,
  options: VerifyOptions = {},
): Promise<AuditResult<VerifiedAuditLog>> {
  const scratch = toolkit.openScratchProjection();
  if (!scratch.ok) return scratch;
  const projection = scratch.value;
  try {
    const scanned = toolkit.reader.snapshot(() => scanAndCompare(toolkit, projection, options.against));
    if (!scanned.ok) return scanned;
    const log = scanned.value;
    const blobs = await verifyBlobs(toolkit.blobs, toolkit.hashStream, projection.blobReferences());
    if (!blobs.ok) return blobs;
    return passed({
      events: log.size,
      root: log.root,
      checkpoints: log.checkpoints,
      latestCheckpointSize: log.latestCheckpoint?.size ?? 0,
      blobs: blobs.value,
      ...(options.against === undefined ? {} : { against: options.against }),
    });
  } finally {
    projection.close();
  }
}

function scanAndCompare(
  toolkit: AuditToolkit,
  projection: ScratchProjection,
  kept: SignedCheckpoint | undefined,
): AuditResult<ScannedLog> {
  const scan = scanWithKeptCheckpoint(toolkit, projection, kept);
  if (!scan.ok) return scan;
  const difference = projection.compareWithStored(scan.value.size);
  return difference === undefined ? scan : catalogueMismatch(difference);
}

function scanWithKeptCheckpoint(
  toolkit: AuditToolkit,
  projection: ScratchProjection,
  kept: SignedCheckpoint | undefined,
): AuditResult<ScannedLog> {
  const { reader, hash, trustedKey } = toolkit;
  const scan = scanAuditLog(reader, hash, trustedKey, projection, toolkit.publicKeyOf);
  if (!scan.ok || kept === undefined) return scan;
  if (trustedKey === undefined) {
    return failed('UNREADABLE', 'there is no public key to check the kept checkpoint with: use --key');
  }
  const extended = checkExtendsKeptCheckpoint(hash, trustedKey, storedNodes(reader), kept, scan.value);
  return extended.ok ? scan : extended;
}
