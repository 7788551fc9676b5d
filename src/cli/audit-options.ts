import { InvalidArgumentError } from 'commander';
import { EVENT_TYPES, EventType } from '../domain/events';
import { EventBound } from '../domain/ports/event-query.port';

const SEQ = /^\d+$/;
// A date, or a date and a time with optional seconds, fraction and zone; no zone means UTC, like the log.
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** `--since` / `--until`: digits only are an event seq, anything else must be an ISO 8601 time. */
export function parseBound(value: string): EventBound {
  const text = value.trim();
  if (SEQ.test(text)) {
    const seq = Number(text);
    if (!Number.isSafeInteger(seq)) throw new InvalidArgumentError('the event seq is too large');
    return { seq };
  }
  const at = parseIsoTime(text);
  if (!at)
    throw new InvalidArgumentError(
      'expected an event seq (digits) or an ISO 8601 time such as 2024-05-01 or 2024-05-01T09:30:00Z',
    );
  return { at };
}

function parseIsoTime(text: string): Date | undefined {
  const match = ISO_TIME.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  if (Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > daysInMonth)
    return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  if (offset !== 'Z' && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4)) > 59)) return undefined;
  const millis = fraction.slice(0, 3).padEnd(3, '0');
  const at = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}${offset}`);
  if (Number.isNaN(at.getTime())) return undefined;
  // The log keeps whole milliseconds; rounding a finer time up keeps both bounds exact: at >= t and at < t.
  return /[1-9]/.test(fraction.slice(3)) ? new Date(at.getTime() + 1) : at;
}

/** `--type`, repeatable and comma-separated; case-insensitive, refused when this binary does not know it. */
export function collectTypes(value: string, previous: readonly EventType[] = []): EventType[] {
  const words = value
    .split(',')
    .map((word) => word.trim())
    .filter((word) => word !== '');
  if (words.length === 0) throw new InvalidArgumentError(`expected an event type: ${EVENT_TYPES.join(', ')}`);
  const types = [...previous];
  for (const word of words) {
    const type = EVENT_TYPES.find((known) => known.toLowerCase() === word.toLowerCase());
    if (!type)
      throw new InvalidArgumentError(`unknown event type "${word}"; known types: ${EVENT_TYPES.join(', ')}`);
    if (!types.includes(type)) types.push(type);
  }
  return types;
}

export function parseLimit(value: string): number {
  const limit = Number(value);
  if (!SEQ.test(value) || !Number.isSafeInteger(limit) || limit < 1)
    throw new InvalidArgumentError('expected a whole number of events, 1 or more');
  return limit;
}

export function parseSession(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a session id or the start of one');
  return value.trim();
}

/** The server stores names in NFC, so a name typed on a system that decomposes accents still matches. */
export function parseName(value: string): string {
  return value.normalize('NFC');
}
