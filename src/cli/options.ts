import { InvalidArgumentError } from 'commander';

export function parseWholeNumber(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535)
    throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return port;
}

/** For a repeatable option: every value given, in order; one value may hold several, comma-separated. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, ...value.split(',').filter((each) => each !== '')];
}

export function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1)
    throw new InvalidArgumentError('expected a whole number of at least 1');
  return number;
}

export function parseVersionNumber(value: string): number {
  const version = parseWholeNumber(value);
  if (version < 1) throw new InvalidArgumentError('versions are numbered from 1');
  return version;
}

/** A yes/no setting from the environment: 1/true/yes or 0/false/no/empty; anything else is a usage error. */
export function environmentFlag(name: string): boolean {
  const value = process.env[name];
  const word = value?.trim().toLowerCase() ?? '';
  if (['1', 'true', 'yes'].includes(word)) return true;
  if (['', '0', 'false', 'no'].includes(word)) return false;
  throw new InvalidArgumentError(`${name} must be 1, true, 0 or false, not "${value}"`);
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** A byte count: a whole number with an optional binary unit, `500`, `64K`, `10M`, `2G`, `1T`. */
export function parseByteSize(value: string): number {
  const match = /^(\d{1,15})([KMGT]?)i?B?$/i.exec(value.trim());
  const bytes = match ? Number(match[1]) * BYTE_UNITS[match[2].toUpperCase()] : NaN;
  if (!Number.isSafeInteger(bytes))
    throw new InvalidArgumentError('expected a size such as 500, 64K, 10M, 2G');
  return bytes;
}
