import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates a private key file (mode 0600) unless one is there: written whole to a temporary file, made
 * durable, then hard-linked into place, so a crash leaves either no key or a complete one, and of two
 * servers starting at once on one folder, both end up with the same key.
 */
export function createPrivateFileOnce(path: string, contents: Buffer): void {
  const temporary = `${path}.${randomUUID()}.tmp`;
  writeDurably(temporary, contents, 'wx', 0o600);
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  syncDirectory(dirname(path));
}

/** Writes the file whole and fsyncs it; `flags` 'wx' refuses one that exists. */
export function writeDurably(path: string, contents: Buffer, flags: 'w' | 'wx', mode: number): void {
  const handle = openSync(path, flags, mode);
  try {
    writeSync(handle, contents);
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
}

export function syncDirectory(path: string): void {
  const handle = openSync(path, 'r');
  try {
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
}
