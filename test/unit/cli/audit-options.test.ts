import { InvalidArgumentError } from 'commander';
import { EVENT_TYPES } from '../../../src/domain/events';
import { collectTypes, parseBound, parseLimit, parseName } from '../../../src/cli/audit-options';

const iso = (value: string) => {
  const bound = parseBound(value);
  if (!('at' in bound)) throw new Error(`${value} was read as a seq`);
  return bound.at.toISOString();
};

describe('ferry audit option parsing', () => {
  it('reads digits as an event seq', () => {
    expect(parseBound('42')).toEqual({ seq: 42 });
    expect(parseBound('0')).toEqual({ seq: 0 });
  });

  it('reads ISO 8601 times, taking a time without a zone as UTC', () => {
    expect(iso('2024-05-01')).toBe('2024-05-01T00:00:00.000Z');
    expect(iso('2024-05-01T09:30')).toBe('2024-05-01T09:30:00.000Z');
    expect(iso('2024-05-01 09:30:15.25')).toBe('2024-05-01T09:30:15.250Z');
    expect(iso('2024-05-01T09:30:00Z')).toBe('2024-05-01T09:30:00.000Z');
    expect(iso('2024-05-01T09:30:00+02:00')).toBe('2024-05-01T07:30:00.000Z');
    expect(iso('2024-05-01T09:30:00-0130')).toBe('2024-05-01T11:00:00.000Z');
    expect(iso('2024-02-29T23:59:59.999Z')).toBe('2024-02-29T23:59:59.999Z');
  });

  it('rounds a time finer than the log keeps up to the next millisecond', () => {
    expect(iso('2024-05-01T09:30:00.0001Z')).toBe('2024-05-01T09:30:00.001Z');
    expect(iso('2024-05-01T09:30:00.0010Z')).toBe('2024-05-01T09:30:00.001Z');
  });

  it.each([
    'yesterday',
    '',
    '-5',
    '1.5',
    '2024-02-30',
    '2023-02-29',
    '2024-13-01',
    '2024-05-01T24:00',
    '2024-05-01T09:60',
    '2024-05-01T09:30:00+25:00',
    '2024-5-1',
    '99999999999999999999',
  ])('refuses %p as a bound', (value) => {
    expect(() => parseBound(value)).toThrow(InvalidArgumentError);
  });

  it('collects types from repeats and commas, in any case, without duplicates', () => {
    const first = collectTypes('FileUploaded, sessionopened');
    expect(first).toEqual(['FileUploaded', 'SessionOpened']);
    expect(collectTypes('FILEDELETED,FileUploaded', first)).toEqual([
      'FileUploaded',
      'SessionOpened',
      'FileDeleted',
    ]);
  });

  it('refuses an unknown type, naming every known one', () => {
    let caught: unknown;
    try {
      collectTypes('FileUploaded,FileEaten');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    for (const type of EVENT_TYPES) expect((caught as Error).message).toContain(type);
    expect(() => collectTypes(' , ')).toThrow(InvalidArgumentError);
  });

  it('takes a positive whole limit only', () => {
    expect(parseLimit('20')).toBe(20);
    for (const bad of ['0', '-1', '2.5', 'ten', ''])
      expect(() => parseLimit(bad)).toThrow(InvalidArgumentError);
  });

  it('normalises a name the way the server stores names', () => {
    expect(parseName('re\u0301sume\u0301.txt')).toBe('r\u00e9sum\u00e9.txt');
  });
});
