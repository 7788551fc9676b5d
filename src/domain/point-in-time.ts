import { FerryEvent } from './events';
import { fail, ok, Result } from './errors';

/** A past moment of the log: just after event `seq`, or the last event recorded at or before `time`. */
export type PointInTime =
  { readonly kind: 'seq'; readonly seq: number } | { readonly kind: 'time'; readonly time: string };

const SEQ = /^[0-9]{1,15}$/;
// A date alone, or a date and time; a zone is required with a time so that "as of" is never ambiguous.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export function parsePointInTime(raw: string): Result<PointInTime> {
  if (SEQ.test(raw)) return ok({ kind: 'seq', seq: Number(raw) });
  const millis = ISO_TIME.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(millis))
    return fail('BAD_REQUEST', `not an event seq or an ISO 8601 time with a zone: ${raw}`);
  return ok({ kind: 'time', time: new Date(millis).toISOString() });
}

/** Whether an event lies at or before the point. Event times are ISO strings of one fixed width. */
export function isAtOrBefore(event: Pick<FerryEvent, 'seq' | 'at'>, point: PointInTime): boolean {
  return point.kind === 'seq' ? event.seq <= point.seq : event.at <= point.time;
}

export function describePoint(point: PointInTime): string {
  return point.kind === 'seq' ? `seq ${point.seq}` : point.time;
}
