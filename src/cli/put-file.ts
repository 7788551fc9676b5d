import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { FerryClient, StoredFile } from '../transport/client/ferry-client';
import { FerryError } from '../transport/client/ferry-error';
import { ReadBufferRing } from '../transport/read-buffer-ring';
import { hashFilePrefix, hashing, readFileChunks, readWholeFile } from './local-files';
import { FileProgress } from './progress';

/**
 * Files from this size on are resumable uploads that ask the server where they continue. Smaller ones are
 * sent whole in one go, again whole after a dropped connection: resuming them would save less than the
 * round trip that asks where to resume costs, and the server keeps no held bytes for them (it gathers a
 * small file in memory and stores it with others in one write).
 */
const RESUMABLE_FROM_BYTES = 1024 * 1024;

/**
 * A large file is read into buffers reused once the socket wrote them, keeping this many (one or two are
 * out at a time): with a new buffer per chunk the CLI spent about twice the CPU on a 1 GiB put (faulting
 * the memory in, then collecting it), on a machine whose other core the server needs.
 */
const SEND_BUFFERS = 4;

export interface PutRequest {
  readonly local: string;
  readonly target: string;
  readonly ifVersion?: number;
  /** The same for every attempt of one command, so a retry of an upload that happened does not repeat it. */
  readonly requestId?: string;
  /** Where the upload is: the bytes the server holds already, then each chunk sent. */
  readonly progress?: FileProgress;
}

/**
 * One attempt to put a file. A small one is read at once and sent whole (putWhole). A large one is a
 * resumable upload, hashed while it is sent and proved by the digest sent after it: it continues whatever
 * the server holds of it (after a dropped connection, or a run of the same command that died). The file is
 * read once, plus the part the server holds already, which is hashed again locally so the digest still
 * covers the whole file.
 */
export async function putFile(client: FerryClient, request: PutRequest): Promise<StoredFile> {
  const { local, target } = request;
  const info = statSync(local);
  if (!info.isFile()) throw new Error(`not a regular file: ${local}`);
  const size = info.size;
  if (size < RESUMABLE_FROM_BYTES) return putWhole(client, request, readWholeFile(local, size));
  const upload = await uploadIdOf(local, info.size, info.mtimeMs, target);
  const offset = await heldOffset(client, upload, target, size);
  const hash = createHash('sha256');
  await hashFilePrefix(local, offset, hash);
  let position = offset;
  request.progress?.(position, size);
  const buffers = new ReadBufferRing(SEND_BUFFERS);
  return client.upload(target, hashing(readFileChunks(local, offset, buffers), hash), size, {
    resume: { upload, offset },
    written: (chunk) => buffers.give(chunk),
    trailer: () => hash.digest('hex'),
    requestId: request.requestId,
    ifVersion: request.ifVersion,
    onProgress: (bytes) => request.progress?.((position += bytes), size),
  });
}

/** A small file, read at once, in one upload that declares its SHA-256 up front. */
function putWhole(client: FerryClient, request: PutRequest, bytes: Buffer): Promise<StoredFile> {
  let position = 0;
  request.progress?.(position, bytes.length);
  return client.upload(request.target, once(bytes), bytes.length, {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    requestId: request.requestId,
    ifVersion: request.ifVersion,
    onProgress: (sent) => request.progress?.((position += sent), bytes.length),
  });
}

async function* once(bytes: Buffer): AsyncIterable<Uint8Array> {
  yield bytes;
}

/**
 * The same local file (path, size and modification time) put under the same name gets the same upload id
 * from any run, so running the command again continues; a changed file starts afresh.
 */
async function uploadIdOf(local: string, size: number, mtimeMs: number, target: string): Promise<string> {
  const identity = JSON.stringify([await realpath(local), size, mtimeMs, target]);
  return `put-${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
}

/** Where the server's held bytes of this upload end; 0 when it holds none (or none that fit). */
async function heldOffset(
  client: FerryClient,
  upload: string,
  target: string,
  size: number,
): Promise<number> {
  try {
    const held = await client.offset(upload);
    return held.name === target && held.offset <= size ? held.offset : 0;
  } catch (error) {
    if (error instanceof FerryError && error.code === 'NOT_FOUND') return 0;
    throw error;
  }
}
