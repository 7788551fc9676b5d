import { inject, injectable } from 'inversify';
import { Outcome } from '../../domain/catalogue';
import { checkExpectedVersion, decideUpload } from '../../domain/decide';
import { DomainError, domainError, fail, ok, Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { FileVersion } from '../../domain/file-versions';
import { FileName } from '../../domain/names';
import { BlobWriter, FileStore } from '../../domain/ports/file-store.port';
import { FreeSpace } from '../../domain/ports/free-space.port';
import { Logger } from '../../domain/ports/logger.port';
import { checkActorQuota } from '../../domain/quota';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';
import { UploadLimits } from '../upload-limits';
import { UploadReservations } from '../upload-reservations';
import { replayIfRepeated } from './request-replay';

export interface UploadRequest {
  readonly name: FileName;
  /**
   * The declared size, checked before a byte is stored. Undefined when the transport cannot know it up front
   * (SFTP writes a file piece by piece): then the size limit is enforced as bytes arrive, and quota and the
   * recorded size come from the bytes received, at finish.
   */
  readonly size?: number;
  readonly sha256?: string;
  readonly ifVersion?: number;
  readonly requestId?: string;
  /**
   * Append (SFTP `reput`): the new version starts with the live version's bytes, and the body is what
   * follows them. Published only if that version is still the live one. With no live version, an upload.
   */
  readonly append?: boolean;
}

/**
 * One upload in flight: bytes stream into the store, and `finish` decides and records. Exactly one event
 * comes out of every transfer, whichever of `finish` or `abort` ends it.
 */
export interface UploadTransfer {
  /** Refused before the body: its bytes will be read and dropped, never stored. */
  readonly refused: boolean;
  /** Bytes the file holds before the body's first: the appended-to version's size, else 0. */
  readonly startsAt: number;
  write(chunk: Uint8Array): Promise<void>;
  finish(): Promise<Result<Outcome<'FileUploaded'>>>;
  /** The body will never be complete (the peer went away). */
  abort(received: number): Promise<void>;
}

@injectable()
export class UploadFile {
  private readonly reservations = new UploadReservations();

  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.FileStore) private readonly store: FileStore,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(AccessGuard) private readonly access: AccessGuard,
    @inject(TOKENS.FreeSpace) private readonly freeSpace: FreeSpace,
    @inject(TOKENS.UploadLimits) private readonly limits: UploadLimits,
  ) {}

  async begin(origin: EventOrigin, request: UploadRequest): Promise<UploadTransfer> {
    const allowed = this.access.check(origin, 'write', 'UPLOAD', request.name);
    if (!allowed.ok) return this.refusal(origin, request, allowed.error, false);
    if (request.requestId !== undefined && this.ledger.catalogue.outcomeOf(origin.actor, request.requestId)) {
      return this.replay(origin, request.requestId);
    }
    // Refuse what cannot succeed before storing a byte; version and quota are checked again at the end.
    const refusal = this.checkBeforeBody(origin, request) ?? (await this.checkFreeSpace(request.size ?? 0));
    if (refusal) return this.refusal(origin, request, refusal);
    const base = request.append ? this.ledger.catalogue.live(request.name) : undefined;
    // Reserved before the await below, so a concurrent upload already counts it.
    const release = this.reservations.reserve(origin.actor, request.size ?? 0);
    let writer: BlobWriter | undefined;
    try {
      writer = await this.store.begin();
      if (base) await this.copyInto(writer, base);
      return this.transfer(origin, request, writer, release, base);
    } catch (error) {
      release();
      await writer?.abort().catch(() => undefined);
      this.logger.error('cannot start a blob', { session: origin.session, error: String(error) });
      return this.refusal(origin, request, domainError('STORAGE_FAILED', 'storage is unavailable'));
    }
  }

  /** The appended-to version's bytes, streamed into the new blob ahead of the body. */
  private async copyInto(writer: BlobWriter, base: FileVersion): Promise<void> {
    for await (const chunk of this.store.read(base.sha256)) await writer.write(chunk);
  }

  private checkBeforeBody(origin: EventOrigin, request: UploadRequest): DomainError | undefined {
    if (request.size !== undefined && request.size > this.limits.maxFileSize) {
      return domainError(
        'TOO_LARGE',
        `${request.size} bytes is more than the ${this.limits.maxFileSize} allowed`,
      );
    }
    const precondition = checkExpectedVersion(request.name, request.ifVersion, this.ledger.catalogue);
    if (!precondition.ok) return precondition.error;
    const pending = this.reservations.of(origin.actor);
    const size = request.size ?? 0;
    const quota = checkActorQuota(this.ledger.catalogue, origin.actor, request.name, size, pending);
    return quota.ok ? undefined : quota.error;
  }

  /** Uploads under way have claimed their declared size already; the reserve is never touched. */
  private async checkFreeSpace(size: number): Promise<DomainError | undefined> {
    let available: number | undefined;
    try {
      available = await this.freeSpace.available();
    } catch {
      return undefined; // A file system that cannot say how full it is fails at write time instead.
    }
    if (available === undefined) return undefined;
    const left = available - this.limits.spaceReserve - this.reservations.bytes;
    if (size <= left) return undefined;
    return domainError('STORAGE_FULL', `not enough free space for ${size} bytes`);
  }

  private transfer(
    origin: EventOrigin,
    request: UploadRequest,
    writer: BlobWriter,
    release: () => void,
    base: FileVersion | undefined,
  ): UploadTransfer {
    let failure: DomainError | undefined;
    let streamed = base?.size ?? 0;
    // Appending to a version that another writer replaced in the meantime would splice two files.
    const expected = base ? { ...request, ifVersion: base.version } : request;
    const appendedTo = base && { appendedTo: { version: base.version, size: base.size } };
    const reject = async (error: DomainError) => {
      release();
      await writer.abort();
      this.ledger.reject(origin, 'UPLOAD', error, request.name);
      return fail<Outcome<'FileUploaded'>>(error.code, error.message);
    };
    return {
      refused: false,
      startsAt: base?.size ?? 0,
      write: async (chunk) => {
        if (failure) return;
        streamed += chunk.length;
        if (request.size === undefined && streamed > this.limits.maxFileSize) {
          failure = domainError('TOO_LARGE', `more than the ${this.limits.maxFileSize} bytes allowed`);
          return;
        }
        try {
          await writer.write(chunk);
        } catch (error) {
          // Keep draining the body so the connection stays in step; the refusal comes at the end.
          this.logger.error('blob write failed', { session: origin.session, error: String(error) });
          failure = domainError('STORAGE_FAILED', 'storage failed while writing');
        }
      },
      finish: async () => {
        if (failure) return reject(failure);
        try {
          const digest = await writer.seal();
          if (request.sha256 !== undefined && request.sha256 !== digest.sha256) {
            return reject(
              domainError(
                'CHECKSUM_MISMATCH',
                `declared sha256 ${request.sha256}, received ${digest.sha256}`,
              ),
            );
          }
          release();
          // Checked before the bytes become a blob, so a refusal stores nothing.
          const catalogue = this.ledger.catalogue;
          const pending = this.reservations.of(origin.actor);
          const quota = checkActorQuota(catalogue, origin.actor, request.name, digest.size, pending);
          if (!quota.ok) return reject(quota.error);
          await writer.commit();
          // Decide only now, with no await before the record, so concurrent uploads get distinct versions.
          const decision = decideUpload(
            { ...expected, size: digest.size, sha256: digest.sha256 },
            this.ledger.catalogue,
          );
          if (!decision.ok) return reject(decision.error);
          const exact = checkActorQuota(this.ledger.catalogue, origin.actor, request.name, digest.size);
          if (!exact.ok) return reject(exact.error);
          return ok(
            this.ledger.record<'FileUploaded'>({
              ...origin,
              type: 'FileUploaded',
              payload: { ...decision.value, ...appendedTo },
            }),
          );
        } catch (error) {
          this.logger.error('blob commit failed', { session: origin.session, error: String(error) });
          return reject(domainError('STORAGE_FAILED', 'storage failed while committing'));
        }
      },
      abort: async (received) => {
        const expected = request.size === undefined ? '' : ` of ${request.size}`;
        await reject(domainError('SIZE_MISMATCH', `connection closed after ${received}${expected} bytes`));
      },
    };
  }

  /** A retry of an upload that already happened: its body is read and dropped, the first result returned. */
  private replay(origin: EventOrigin, requestId: string): UploadTransfer {
    const replay = () => replayIfRepeated(this.ledger, origin, 'UPLOAD', requestId, 'FileUploaded');
    return {
      refused: false,
      startsAt: 0,
      write: async () => undefined,
      finish: async () => (await replay()) ?? fail('INTERNAL', 'the original request vanished'),
      abort: async () => {
        await replay();
      },
    };
  }

  /** `record` false: the refusal is recorded already (by the access guard). */
  private refusal(
    origin: EventOrigin,
    request: UploadRequest,
    error: DomainError,
    record = true,
  ): UploadTransfer {
    const reject = () => {
      if (record) this.ledger.reject(origin, 'UPLOAD', error, request.name);
    };
    return {
      refused: true,
      startsAt: 0,
      write: async () => undefined,
      finish: async () => {
        await reject();
        return fail(error.code, error.message);
      },
      abort: async () => {
        await reject();
      },
    };
  }
}
