import { createHash } from 'node:crypto';
import { createWriteStream, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { FerryClient, StoredFile } from '../transport/client/ferry-client';
import { isConnectionLost } from '../transport/client/ferry-error';
import { hashFilePrefix } from './local-files';
import { FileProgress } from './progress';

/** Bytes the partial file's stream may hold before the download waits for the disk. */
const SINK_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Files known to be smaller than this are gathered in memory and written once verified, with blocking
 * calls (see readWholeFile): no partial file, sent again whole after a dropped connection.
 */
const PARTIAL_FROM_BYTES = 1024 * 1024;

export interface GetRequest {
  readonly name: string;
  readonly target: string;
  /** An earlier version; else the live one, asked for first. */
  readonly version?: number;
  /** The size of that version, when the caller knows it (from a listing). */
  readonly size?: number;
  /** Where the download is: the bytes of the partial file, then each chunk received. */
  readonly progress?: FileProgress;
  /**
   * Whether partials of this target for other versions are removed first. A tree leaves them (one listing
   * of the folder per file would cost more than the files).
   */
  readonly tidy?: boolean;
}

/**
 * One attempt to get a file into `target`: the bytes go to a partial file beside it, named after the
 * server name and version, which a later attempt (after a dropped connection, or a run of the same
 * command that died) continues from where it ends. The whole file, the part from earlier attempts
 * included, is checked against the recorded SHA-256 before the partial becomes `target`; a partial that
 * fails the check is removed, so the next attempt starts afresh.
 */
export async function getFile(client: FerryClient, request: GetRequest): Promise<StoredFile> {
  const { version, size } =
    request.version === undefined
      ? await client.stat(request.name)
      : { ...request, version: request.version };
  if (size !== undefined && size < PARTIAL_FROM_BYTES) return getWhole(client, { ...request, version, size });
  const partial = partialPathOf(request.target, request.name, version);
  if (request.tidy !== false) await removeOtherPartials(request.target, partial);
  const offset = await sizeOrZero(partial);
  const hash = createHash('sha256');
  await hashFilePrefix(partial, offset, hash);
  // A deep buffer, so the socket is read on while the disk writes: 160-190 MB/s for 1 GiB with the
  // default 16 KiB, 255-290 MB/s with this (measured by hand, 3 runs each).
  const sink = createWriteStream(partial, {
    flags: offset > 0 ? 'a' : 'w',
    mode: 0o600,
    highWaterMark: SINK_BUFFER_BYTES,
  });
  // Its failures reach the download through its writes and its close; writes still queued when it is
  // given up fail too, with nobody left to tell.
  sink.on('error', () => undefined);
  let file: StoredFile;
  let position = offset;
  try {
    file = await client.download(request.name, sink, {
      version,
      ...(offset > 0 ? { resume: { offset, hash } } : {}),
      onProgress: (bytes, size) => request.progress?.((position += bytes), size),
    });
    await closed(sink);
  } catch (error) {
    if (isConnectionLost(error)) {
      // What arrived is kept, buffered bytes included: the next attempt continues after them.
      await closed(sink).catch(() => sink.destroy());
    } else {
      sink.destroy();
      await rm(partial, { force: true });
    }
    throw error;
  }
  await rename(partial, request.target);
  return file;
}

/**
 * A small file, gathered in memory (never more than its listed size), and once verified written to its
 * partial file's name and renamed into place: a partial an earlier run left for it, or for another
 * version of the target, is removed or overwritten.
 */
async function getWhole(
  client: FerryClient,
  request: GetRequest & { readonly version: number; readonly size: number },
): Promise<StoredFile> {
  const temporary = partialPathOf(request.target, request.name, request.version);
  if (request.tidy !== false) await removeOtherPartials(request.target, temporary);
  const chunks: Buffer[] = [];
  let gathered = 0;
  const gather = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      gathered += chunk.length;
      if (gathered > request.size)
        return done(new Error(`${request.name}: more bytes than its ${request.size}`));
      chunks.push(chunk);
      done();
    },
  });
  let position = 0;
  const file = await client.download(request.name, gather, {
    version: request.version,
    onProgress: (bytes, size) => request.progress?.((position += bytes), size),
  });
  try {
    // Blocking, as readWholeFile reads: measured side by side, 1,000 files of 4 KiB came at about 860
    // files/s this way, and at 730 with the same calls made on the thread pool (40 % more CPU).
    writeFileSync(temporary, Buffer.concat(chunks), { mode: 0o600 });
    renameSync(temporary, request.target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  return file;
}

/** Beside the target, hidden, and particular to the server name and version it holds the bytes of. */
function partialPathOf(target: string, name: string, version: number): string {
  const key = createHash('sha256').update(`${name}\u0000${version}`).digest('hex').slice(0, 16);
  return join(dirname(target), `.${basename(target)}.${key}.ferry-part`);
}

/** Partials of the same target for another version or name are stale: what they hold is not wanted. */
async function removeOtherPartials(target: string, keep: string): Promise<void> {
  const prefix = `.${basename(target)}.`;
  const isPartial = (entry: string) =>
    entry.startsWith(prefix) && /^[0-9a-f]{16}\.ferry-part$/.test(entry.slice(prefix.length));
  for (const entry of await readdir(dirname(target))) {
    const path = join(dirname(target), entry);
    if (isPartial(entry) && path !== keep) await rm(path, { force: true });
  }
}

async function sizeOrZero(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function closed(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) =>
    sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}
