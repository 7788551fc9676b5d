import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';

export async function fileSize(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`not a regular file: ${path}`);
  return info.size;
}

/** One streaming pass to learn the SHA-256, so the server can refuse bytes that changed in transit. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), hash);
  return hash.digest('hex');
}

export function readFileStream(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: 256 * 1024 });
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
