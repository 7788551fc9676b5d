import { ReadBuffers } from './ports/file-store.port';

/** An open file, as node's FileHandle is one: read at a position, then closed. */
export interface OpenFile {
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ readonly bytesRead: number }>;
  close(): Promise<void>;
}

/** A file is read this much at a time. */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * The bytes of `file` from `start` to `end` (or to its end), a chunk at a time, each read into a buffer
 * taken from `buffers`; the file is closed once they are read, or once the reader stops early or a read
 * fails. The one loop behind a stored blob's reads and the CLI's reads of a local file.
 */
export async function* readChunks(
  file: OpenFile,
  buffers: ReadBuffers,
  start = 0,
  end = Infinity,
): AsyncIterable<Uint8Array> {
  try {
    let position = start;
    while (position < end) {
      const buffer = buffers.take(Math.min(READ_CHUNK_BYTES, end - position));
      const length = Math.min(buffer.length, end - position);
      const { bytesRead } = await file.read(buffer, 0, length, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    // A file only read that fails to close has lost nothing; the read's own failure, if any, counts.
    await file.close().catch(() => undefined);
  }
}

/** What a digest is fed through (node's Hash is one). */
export interface Digest {
  update(bytes: Uint8Array): unknown;
}

/**
 * Feeds the first `length` bytes of `file` to `hash` (fewer if the file is shorter) through one buffer
 * read into again and again, and closes the file; resolves how many bytes it fed. What a resumed
 * transfer does not send again is hashed this way, so that the digest still covers the whole file.
 */
export async function hashPrefix(file: OpenFile, length: number, hash: Digest): Promise<number> {
  const scratch = new Uint8Array(Math.min(READ_CHUNK_BYTES, length));
  let hashed = 0;
  for await (const chunk of readChunks(file, { take: () => scratch }, 0, length)) {
    hash.update(chunk);
    hashed += chunk.length;
  }
  return hashed;
}
