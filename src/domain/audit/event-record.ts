import { AuditResult, failed, passed } from './audit-failure';
import { EVENT_TYPES, FerryEvent } from '../events';
import { StoredEventRecord } from '../ports/audit-log-reader.port';

/**
 * Reads a stored record back into an event, checking only what the verifier relies on: it is a JSON
 * object, of a known type, that names the seq of the row it sits in. Anything deeper is the catalogue's fold.
 */
export function parseEventRecord(row: StoredEventRecord): AuditResult<FerryEvent> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.record);
  } catch {
    return failed('RECORD_INVALID', `event ${row.seq}: its record is not JSON`, { seq: row.seq });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return failed('RECORD_INVALID', `event ${row.seq}: its record is not a JSON object`, { seq: row.seq });
  }
  const { seq, type } = parsed as { seq?: unknown; type?: unknown };
  if (typeof type !== 'string') {
    return failed('RECORD_INVALID', `event ${row.seq}: its record has no type`, { seq: row.seq });
  }
  if (!(EVENT_TYPES as readonly string[]).includes(type)) {
    return failed('RECORD_INVALID', `event ${row.seq}: no event has the type ${JSON.stringify(type)}`, {
      seq: row.seq,
    });
  }
  if (seq !== row.seq) {
    return failed(
      'SEQ_MISMATCH',
      `event ${row.seq}: its record says seq ${JSON.stringify(seq)}: rows were moved or swapped`,
      { seq: row.seq },
    );
  }
  return passed(parsed as FerryEvent);
}
