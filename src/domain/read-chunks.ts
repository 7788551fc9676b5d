import { ReadBuffers } from './ports/file-store.port';

/** Reads up to `length` bytes at `position` into `buffer`'s start; resolves how many it read (0: the end). */
export type ReadAt = (buffer: Uint8Array, length: number, position: number) => Promise<number>;

/** A file is read this much at a time. */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * The bytes from `start` to `end` (or to where reading stops), a chunk at a time, each read into a buffer
 * taken from `buffers`: the one loop behind a stored blob's reads and the CLI's reads of a local file.
 */
export async function* readChunks(
  readAt: ReadAt,
  buffers: ReadBuffers,
  start = 0,
  end = Infinity,
): AsyncIterable<Uint8Array> {
  let position = start;
  while (position < end) {
    const buffer = buffers.take(Math.min(READ_CHUNK_BYTES, end - position));
    const read = await readAt(buffer, Math.min(buffer.length, end - position), position);
    if (read === 0) return;
    position += read;
    yield buffer.subarray(0, read);
  }
}
