import { inject, injectable } from 'inversify';
import { Outcome } from '../../domain/catalogue';
import { checkExpectedVersion, decideUpload } from '../../domain/decide';
import { DomainError, domainError, fail, ok, Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { FileName } from '../../domain/names';
import { BlobWriter, FileStore } from '../../domain/ports/file-store.port';
import { Logger } from '../../domain/ports/logger.port';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';
import { replayIfRepeated } from './request-replay';

export interface UploadRequest {
  readonly name: FileName;
  readonly size: number;
  readonly sha256?: string;
  readonly ifVersion?: number;
  readonly requestId?: string;
}

/**
 * One upload in flight: bytes stream into the store, and `finish` decides and records. Exactly one event
 * comes out of every transfer, whichever of `finish` or `abort` ends it.
 */
export interface UploadTransfer {
  write(chunk: Uint8Array): Promise<void>;
  finish(): Promise<Result<Outcome<'FileUploaded'>>>;
  /** The body will never be complete (the peer went away). */
  abort(received: number): Promise<void>;
}

@injectable()
export class UploadFile {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.FileStore) private readonly store: FileStore,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  async begin(origin: EventOrigin, request: UploadRequest): Promise<UploadTransfer> {
    if (request.requestId !== undefined && this.ledger.catalogue.outcomeOf(origin.actor, request.requestId)) {
      return this.replay(origin, request.requestId);
    }
    // Refuse a stale expected version before storing a byte; it is checked again at the end.
    const precondition = checkExpectedVersion(request.name, request.ifVersion, this.ledger.catalogue);
    if (!precondition.ok) return this.refusal(origin, request, precondition.error);
    try {
      return this.transfer(origin, request, await this.store.begin());
    } catch (error) {
      this.logger.error('cannot start a blob', { session: origin.session, error: String(error) });
      return this.refusal(origin, request, domainError('STORAGE_FAILED', 'storage is unavailable'));
    }
  }

  private transfer(origin: EventOrigin, request: UploadRequest, writer: BlobWriter): UploadTransfer {
    let failure: DomainError | undefined;
    const reject = async (error: DomainError) => {
      await writer.abort();
      this.ledger.reject(origin, 'UPLOAD', error, request.name);
      return fail<Outcome<'FileUploaded'>>(error.code, error.message);
    };
    return {
      write: async (chunk) => {
        if (failure) return;
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
          await writer.commit();
          // Decide only now, with no await before the record, so concurrent uploads get distinct versions.
          const decision = decideUpload({ ...request, sha256: digest.sha256 }, this.ledger.catalogue);
          if (!decision.ok) return reject(decision.error);
          return ok(
            this.ledger.record<'FileUploaded'>({
              ...origin,
              type: 'FileUploaded',
              payload: decision.value,
            }),
          );
        } catch (error) {
          this.logger.error('blob commit failed', { session: origin.session, error: String(error) });
          return reject(domainError('STORAGE_FAILED', 'storage failed while committing'));
        }
      },
      abort: async (received) => {
        await reject(
          domainError('SIZE_MISMATCH', `connection closed after ${received} of ${request.size} bytes`),
        );
      },
    };
  }

  /** A retry of an upload that already happened: its body is read and dropped, the first result returned. */
  private replay(origin: EventOrigin, requestId: string): UploadTransfer {
    const replay = () => replayIfRepeated(this.ledger, origin, 'UPLOAD', requestId, 'FileUploaded');
    return {
      write: async () => undefined,
      finish: async () => (await replay()) ?? fail('INTERNAL', 'the original request vanished'),
      abort: async () => {
        await replay();
      },
    };
  }

  private refusal(origin: EventOrigin, request: UploadRequest, error: DomainError): UploadTransfer {
    const reject = () => this.ledger.reject(origin, 'UPLOAD', error, request.name);
    return {
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
