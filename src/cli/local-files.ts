import { Hash, randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, openSync, readSync } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { ReadBuffers } from '../domain/ports/file-store.port';
import { hashPrefix, readChunks } from '../domain/read-chunks';

/** The file's bytes from `start` on, read into buffers taken from `buffers` (see ReadBufferRing). */
export async function* readFileChunks(
  path: string,
  start: number,
  buffers: ReadBuffers,
): AsyncIterable<Uint8Array> {
  yield* readChunks(await open(path, 'r'), buffers, start);
}

/**
 * A small file's bytes, read with blocking calls: here a trip to the thread pool costs more than the call
 * itself (a stat: about 45 µs of CPU against 5; an open, a read and a close: 140 against 30), and a file
 * under a MiB holds the event loop for well under a millisecond. Throws if the file no longer holds `size`
 * bytes: it changed since it was looked at, and what was declared can no longer be sent.
 */
export function readWholeFile(path: string, size: number): Buffer {
  const descriptor = openSync(path, 'r');
  try {
    // One byte more than expected, to see a file that grew.
    const bytes = Buffer.allocUnsafe(size + 1);
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(descriptor, bytes, filled, bytes.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    if (filled !== size) throw new Error(`${path} changed while it was read: it no longer has ${size} bytes`);
    return bytes.subarray(0, size);
  } finally {
    closeSync(descriptor);
  }
}

/** Feeds the file's first `length` bytes to `hash`: the part a resumed transfer does not send again. */
export async function hashFilePrefix(path: string, length: number, hash: Hash): Promise<void> {
  if (length > 0) await hashPrefix(await open(path, 'r'), length, hash);
}

/** The same chunks, each fed to `hash` on its way: the file is hashed while it is sent, in one pass. */
export async function* hashing(chunks: AsyncIterable<Uint8Array>, hash: Hash): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    hash.update(chunk);
    yield chunk;
  }
}

/** The last segment of a Ferry name, as a local file name. */
export function localNameFor(name: string): string {
  return name.split('/').pop() ?? name;
}

/**
 * Writes into a temporary file beside the target and renames it into place only when `work` succeeds,
 * so a failed or corrupted download never leaves a partial file under the real name.
 */
export async function writeAtomically<T>(target: string, work: (sink: Writable) => Promise<T>): Promise<T> {
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.part`);
  const sink = createWriteStream(temporary, { flags: 'wx' });
  // Its failures reach `work` through its writes and its close; writes still queued when it is given up
  // fail too, with nobody left to tell.
  sink.on('error', () => undefined);
  try {
    const result = await work(sink);
    await new Promise<void>((resolve, reject) =>
      sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    await rename(temporary, target);
    return result;
  } catch (error) {
    sink.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A small text file (a public key, say), refused beyond `maxBytes` rather than read whole. */
export async function readSmallTextFile(path: string, maxBytes: number): Promise<string> {
  if ((await stat(path)).size > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
  return readFile(path, 'utf8');
}
