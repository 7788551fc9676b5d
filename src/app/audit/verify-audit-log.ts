import { AuditResult, failed, passed } from '../../domain/audit/audit-failure';
import { catalogueMismatch } from '../../domain/audit/catalogue-mismatch';
import { SignedCheckpoint } from '../../domain/audit/checkpoint';
import { checkExtendsKeptCheckpoint } from '../../domain/audit/kept-checkpoint';
import { scanAuditLog, ScannedLog } from '../../domain/audit/log-scan';
import { storedNodes } from '../../domain/audit/stored-nodes';
import { Witness } from '../../domain/audit/cosignature';
import { newestWitnessedCheckpoint, WitnessedCheckpoint } from '../../domain/audit/witnessed-checkpoint';
import { ScratchProjection } from '../../domain/ports/scratch-projection.port';
import { AuditToolkit } from './audit-toolkit';
import { verifyBlobs } from './verify-blobs';

export interface VerifyOptions {
  /** A checkpoint kept outside the data folder, which today's log must extend. */
  readonly against?: SignedCheckpoint;
  /** Witnesses whose cosignatures a checkpoint must carry, at least `minimum` of them, to be accepted. */
  readonly witnesses?: WitnessThreshold;
}

export interface WitnessThreshold {
  readonly trusted: readonly Witness[];
  readonly minimum: number;
}

export interface VerifiedAuditLog {
  readonly events: number;
  readonly root: Uint8Array;
  readonly checkpoints: number;
  /** Events after this many are not yet covered by any checkpoint. */
  readonly latestCheckpointSize: number;
  readonly blobs: number;
  readonly against?: SignedCheckpoint;
  /** The newest checkpoint the witnesses vouch for, when a threshold was asked. */
  readonly witnessed?: WitnessedCheckpoint;
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
    const scanned = toolkit.reader.snapshot(
      (): AuditResult<ScannedLog & { witnessed?: WitnessedCheckpoint }> => {
        const scan = scanAndCompare(toolkit, projection, options.against);
        if (!scan.ok || options.witnesses === undefined) return scan;
        const { trusted, minimum } = options.witnesses;
        const witnessed = newestWitnessedCheckpoint(toolkit.hash, toolkit.reader, trusted, minimum);
        return witnessed.ok ? passed({ ...scan.value, witnessed: witnessed.value }) : witnessed;
      },
    );
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
      ...(log.witnessed === undefined ? {} : { witnessed: log.witnessed }),
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
