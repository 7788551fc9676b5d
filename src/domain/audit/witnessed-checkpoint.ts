import { AuditResult, failed, passed } from './audit-failure';
import { checkpointNoteText, SignedCheckpoint } from './checkpoint';
import { Cosignature, cosignedBy, Witness } from './cosignature';
import { HashFn } from './hash';
import { parseSignatureLines, parseSignedNote } from './signed-note';
import { AuditLogReader } from '../ports/audit-log-reader.port';
import { StoredCosignature } from '../ports/cosignature-store.port';

export interface WitnessedCheckpoint {
  readonly checkpoint: SignedCheckpoint;
  /** The trusted witnesses with a valid cosignature on it. */
  readonly cosignatures: readonly Cosignature[];
}

/**
 * The newest stored checkpoint with valid cosignatures of at least `minimum` of `witnesses`: the point up
 * to which the log is the one the witnesses saw, so that no one else can have been shown another.
 * Stored cosignatures are only evidence: each is checked against its witness's key and the checkpoint.
 * `NOT_WITNESSED` if no checkpoint has enough.
 */
export function newestWitnessedCheckpoint(
  hash: HashFn,
  reader: AuditLogReader,
  witnesses: readonly Witness[],
  minimum: number,
): AuditResult<WitnessedCheckpoint> {
  for (const [size, stored] of bySize(reader.cosignatures())) {
    const checkpoint = reader.checkpointOfSize(size);
    if (checkpoint?.origin === undefined) continue;
    const signatures = stored.flatMap((each) => parseSignatureLines(each.line) ?? []);
    const text = checkpointNoteText(checkpoint.origin, checkpoint);
    const cosignatures = cosignedBy(hash, witnesses, text, signatures);
    if (cosignatures.length >= minimum) return passed({ checkpoint, cosignatures });
  }
  const names = witnesses.map((witness) => witness.name).join(', ');
  return failed(
    'NOT_WITNESSED',
    `no checkpoint carries valid cosignatures of ${minimum} of the trusted witnesses (${names})`,
  );
}

/** Cosignatures read largest size first, grouped by size. */
function* bySize(rows: Iterable<StoredCosignature>): Iterable<[number, StoredCosignature[]]> {
  let group: StoredCosignature[] = [];
  for (const row of rows) {
    if (group.length > 0 && group[0].size !== row.size) {
      yield [group[0].size, group];
      group = [];
    }
    group.push(row);
  }
  if (group.length > 0) yield [group[0].size, group];
}

/**
 * The trusted witnesses' valid cosignatures on a checkpoint note handed over (its own signature is
 * checked elsewhere), if at least `minimum` of them are there; `NOT_WITNESSED` if fewer.
 */
export function checkNoteCosignatures(
  hash: HashFn,
  note: string,
  witnesses: readonly Witness[],
  minimum: number,
): AuditResult<Cosignature[]> {
  const parsed = parseSignedNote(note);
  const found = parsed === undefined ? [] : cosignedBy(hash, witnesses, parsed.text, parsed.signatures);
  if (found.length >= minimum) return passed(found);
  return failed(
    'NOT_WITNESSED',
    `the checkpoint carries valid cosignatures of ${found.length} of the trusted witnesses, not ${minimum}`,
  );
}
