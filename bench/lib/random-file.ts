import { randomFillSync } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { MiB } from './stats';

/** A file of `size` random bytes (a whole number of MiB), written a MiB at a time. */
export function writeRandomFile(path: string, size: number): void {
  const chunk = Buffer.alloc(MiB);
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < size; written += chunk.length) writeSync(fd, randomFillSync(chunk));
  } finally {
    closeSync(fd);
  }
}
