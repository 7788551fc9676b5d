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
