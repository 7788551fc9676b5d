import { InvalidArgumentError } from 'commander';

export function parseWholeNumber(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

export function parseVersionNumber(value: string): number {
  const version = parseWholeNumber(value);
  if (version < 1) throw new InvalidArgumentError('versions are numbered from 1');
  return version;
}

const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** A byte count: a whole number with an optional binary unit, `500`, `64K`, `10M`, `2G`, `1T`. */
export function parseByteSize(value: string): number {
  const match = /^(\d{1,15})([KMGT]?)i?B?$/i.exec(value.trim());
  const bytes = match ? Number(match[1]) * BYTE_UNITS[match[2].toUpperCase()] : NaN;
  if (!Number.isSafeInteger(bytes)) throw new InvalidArgumentError('expected a size such as 500, 64K, 10M, 2G');
  return bytes;
}
