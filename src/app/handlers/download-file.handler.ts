import { inject, injectable } from 'inversify';
import { FileVersion } from '../../domain/file-versions';
import { domainError, ok, Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { FileStore, ReadBuffers, StoreError } from '../../domain/ports/file-store.port';
import { Logger } from '../../domain/ports/logger.port';
import { resolveDownload } from '../../domain/queries';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';
import { storageFailure } from './storage-failure';

export interface DownloadRequest {
  readonly name: string;
  readonly version?: number;
  /** Where `body` starts (a resumed download): the bytes from here to the end... */
  readonly offset?: number;
  /** ...or at most this many of them (a range). */
  readonly length?: number;
}

/** A download about to stream: the caller sends `body`, then reports how it went with `finish`. */
export interface DownloadTransfer {
  readonly file: FileVersion;
  /** The bytes from the request's offset (0 unless given) to the end, or of its range. */
  readonly body: AsyncIterable<Uint8Array>;
  /** How many bytes `body` holds. */
  readonly length: number;
  /** The bytes again from `start` on (a client that resumes, or reads at another offset). */
  from(start: number): AsyncIterable<Uint8Array>;
  /** Records the one event: the client read `bytesSent` bytes starting at `from`. */
  finish(bytesSent: number, from?: number): Promise<void>;
}

@injectable()
export class DownloadFile {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.FileStore) private readonly store: FileStore,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(AccessGuard) private readonly access: AccessGuard,
  ) {}

  /**
   * `buffers`: memory the caller lends the store to read `body` into (see ReadBuffers). A chunk of `body`
   * is then valid only until the caller gives it back: one the caller keeps must not be given back.
   */
  async begin(
    origin: EventOrigin,
    request: DownloadRequest,
    buffers?: ReadBuffers,
  ): Promise<Result<DownloadTransfer>> {
    const allowed = this.access.check(origin, 'read', 'DOWNLOAD', request.name);
    if (!allowed.ok) return allowed;
    const resolved = resolveDownload(this.ledger.catalogue, request.name, request.version);
    if (!resolved.ok) {
      this.ledger.reject(origin, 'DOWNLOAD', resolved.error, request.name);
      return resolved;
    }
    const file = resolved.value;
    const offset = request.offset ?? 0;
    if (offset > file.size) {
      const error = domainError(
        'BAD_REQUEST',
        `offset ${offset} is past the end of ${file.name} (${file.size} bytes)`,
      );
      this.ledger.reject(origin, 'DOWNLOAD', error, request.name);
      return { ok: false, error };
    }
    const end = request.length === undefined ? file.size : Math.min(file.size, offset + request.length);
    const range = offset > 0 || end < file.size ? { start: offset, end } : undefined;
    let body: AsyncIterable<Uint8Array> | undefined;
    try {
      body = await opened(this.store.read(file.sha256, range, buffers));
    } catch (failure) {
      this.logger.error('cannot read a blob', { session: origin.session, error: String(failure) });
      const error = storageFailure(failure, `reading ${file.name} version ${file.version}`);
      this.ledger.reject(origin, 'DOWNLOAD', error, request.name);
      return { ok: false, error };
    }
    if (!body) {
      this.logger.error('blob missing for a recorded version', {
        session: origin.session,
        sha256: file.sha256,
      });
      const error = domainError(
        'STORAGE_FAILED',
        `the bytes of ${file.name} version ${file.version} are missing`,
      );
      this.ledger.reject(origin, 'DOWNLOAD', error, request.name);
      return { ok: false, error };
    }
    return ok({
      file,
      body,
      length: end - offset,
      from: (start) => this.store.read(file.sha256, { start, end: file.size }),
      // Recorded after the transfer so the log says how many bytes really left.
      finish: async (bytesSent, from = 0) => {
        const payload = {
          name: file.name,
          version: file.version,
          sha256: file.sha256,
          bytes: bytesSent,
          complete: from + bytesSent === file.size,
          ...(from > 0 ? { from } : {}),
        };
        this.ledger.record<'FileDownloaded'>({ ...origin, type: 'FileDownloaded', payload });
      },
    });
  }
}

/**
 * Opens the bytes before the reply promises them: a missing blob is found by reading its first chunk
 * (no separate existence check), and that chunk is handed on. Undefined when the blob is missing.
 */
async function opened(bytes: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array> | undefined> {
  const chunks = bytes[Symbol.asyncIterator]();
  let pending: IteratorResult<Uint8Array> | undefined;
  try {
    pending = await chunks.next();
  } catch (error) {
    if (error instanceof StoreError && error.kind === 'not-found') return undefined;
    throw error;
  }
  const iterator: AsyncIterator<Uint8Array> = {
    next: async () => {
      const next = pending ?? (await chunks.next());
      pending = undefined;
      return next;
    },
    // Closing the iterator closes the blob, whether or not a byte was sent.
    return: async () => (await chunks.return?.()) ?? { done: true, value: undefined },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}
