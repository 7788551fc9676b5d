import { inject, injectable } from 'inversify';
import { Outcome } from '../../domain/catalogue';
import { checkExpectedVersion, decideUpload } from '../../domain/decide';
import { DomainError, domainError, fail, ok } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { FileVersion, Usage } from '../../domain/file-versions';
import { heldToContinue, heldUploadKey, heldUsage } from '../../domain/held-uploads';
import { BlobWriter, FileStore, HeldBlobWriter, StoreError } from '../../domain/ports/file-store.port';
import { FreeSpace } from '../../domain/ports/free-space.port';
import { Logger } from '../../domain/ports/logger.port';
import { checkActorQuota } from '../../domain/quota';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';
import { UploadLimits } from '../upload-limits';
import { ResumableAttempts } from '../resumable-attempts';
import { UploadReservations } from '../upload-reservations';
import { storageFailure } from './storage-failure';
import { refusedUpload, replayedUpload } from './upload-stand-ins';
import { ResumePoint, UploadRequest, UploadTransfer } from './upload-transfer';

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
    @inject(ResumableAttempts) private readonly attempts: ResumableAttempts,
  ) {}

  async begin(origin: EventOrigin, asked: UploadRequest): Promise<UploadTransfer> {
    const request = this.continuation(origin, asked);
    const allowed = this.access.check(origin, 'write', 'UPLOAD', request.name);
    if (!allowed.ok) return refusedUpload(this.ledger, origin, request, allowed.error, false);
    if (request.requestId !== undefined && this.ledger.catalogue.outcomeOf(origin.actor, request.requestId)) {
      return replayedUpload(this.ledger, origin, request.requestId);
    }
    // Refuse what cannot succeed before storing a byte; version and quota are checked again at the end.
    const body = (request.size ?? 0) - (request.resume?.offset ?? 0);
    const refusal =
      this.checkBeforeBody(origin, request) ??
      this.checkResumePoint(origin, request) ??
      (await this.checkFreeSpace(body));
    if (refusal) return refusedUpload(this.ledger, origin, request, refusal);
    const base = request.append ? this.ledger.catalogue.live(request.name) : undefined;
    // Reserved before the await below, so a concurrent upload already counts it.
    const release = this.reservations.reserve(origin.actor, request.size ?? 0);
    let writer: BlobWriter | undefined;
    try {
      if (request.resume) {
        const held = await this.openHeld(origin, request.resume);
        if (typeof held === 'string') {
          release();
          return refusedUpload(this.ledger, origin, request, domainError('CONFLICT', held));
        }
        if (held.heldBefore !== request.resume.offset) {
          release();
          await held.abort();
          const gone = `the bytes held for upload ${request.resume.upload} are gone: start it again at offset 0`;
          return refusedUpload(this.ledger, origin, request, domainError('STORAGE_FAILED', gone), true, true);
        }
        writer = held;
      } else {
        const expected = request.size === undefined ? undefined : (base?.size ?? 0) + request.size;
        writer = await this.store.begin(expected);
      }
      if (base) await this.copyInto(writer, base);
      return this.transfer(origin, request, writer, release, base);
    } catch (error) {
      release();
      await writer?.abort().catch(() => undefined);
      this.logger.error('cannot start a blob', { session: origin.session, error: String(error) });
      return refusedUpload(this.ledger, origin, request, storageFailure(error, 'starting the upload'));
    }
  }

  /**
   * An append with a resume point (SFTP `reput`) continues the bytes held for it when they are newer than
   * the live version, from their end; else it appends to the live version, into held bytes of its own.
   */
  private continuation(origin: EventOrigin, request: UploadRequest): UploadRequest {
    if (!request.append || !request.resume) return request;
    const { upload } = request.resume;
    const catalogue = this.ledger.catalogue;
    const live = catalogue.live(request.name);
    const held = heldToContinue(catalogue.heldUploads, live, origin.actor, upload, request.name);
    return held ? { ...request, append: undefined, resume: { upload, offset: held.held } } : request;
  }

  /** A resumed upload continues its own bytes, from where they end; offset 0 may start any upload afresh. */
  private checkResumePoint(origin: EventOrigin, request: UploadRequest): DomainError | undefined {
    if (!request.resume || request.resume.offset === 0) return undefined;
    const { upload, offset } = request.resume;
    const held = this.ledger.catalogue.heldUploads.get(origin.actor, upload);
    if (held && held.name !== request.name) {
      return domainError('CONFLICT', `upload ${upload} is of ${JSON.stringify(held.name)}`);
    }
    const at = held?.held ?? 0;
    if (offset === at) return undefined;
    return domainError('OFFSET_MISMATCH', `upload ${upload} holds ${at} bytes, not ${offset}`);
  }

  /**
   * The held bytes' writer, once an attempt still in flight on them (its cut not yet seen by the server)
   * has been interrupted; a string says why not.
   */
  private async openHeld(origin: EventOrigin, resume: ResumePoint): Promise<HeldBlobWriter | string> {
    const id = heldUploadKey(origin.actor, resume.upload);
    await this.attempts.settle(id);
    try {
      return await this.store.beginHeld(id, resume.offset);
    } catch (error) {
      if (error instanceof StoreError && error.kind === 'busy') {
        return `another attempt of upload ${resume.upload} is starting`;
      }
      throw error;
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
    const pending = this.pending(origin, request);
    const size = request.size ?? 0;
    const quota = checkActorQuota(this.ledger.catalogue, origin.actor, request.name, size, pending);
    return quota.ok ? undefined : quota.error;
  }

  /**
   * What counts against the quota besides live files: uploads under way (their declared sizes) and the
   * bytes held for interrupted ones, but this upload's own.
   */
  private pending(origin: EventOrigin, request: UploadRequest): Usage {
    const running = this.reservations.of(origin.actor);
    const held = heldUsage(this.ledger.catalogue.heldUploads, origin.actor, request.resume?.upload);
    return { files: running.files, bytes: running.bytes + held.bytes };
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
    writer: BlobWriter | HeldBlobWriter,
    release: () => void,
    base: FileVersion | undefined,
  ): UploadTransfer {
    let failure: DomainError | undefined;
    const startsAt = base?.size ?? request.resume?.offset ?? 0;
    let streamed = startsAt;
    let writing: Promise<void> = Promise.resolve();
    // Set once the transfer has its event: a later finish or abort records nothing more.
    let ended = false;
    const resume = request.resume;
    const id = resume && heldUploadKey(origin.actor, resume.upload);
    // Appending to a version that another writer replaced in the meantime would splice two files.
    const expected = base ? { ...request, ifVersion: base.version } : request;
    const appendedTo = base && { appendedTo: { version: base.version, size: base.size } };
    const resumed = resume && { upload: { id: resume.upload, from: startsAt } };
    const end = () => {
      ended = true;
    };
    let interruption: Promise<void> | undefined;
    // Memoised: a new attempt and the transport may both interrupt; both wait for the one interruption.
    const interrupt = (): Promise<void> => (interruption ??= holdBytes().finally(unregister));
    const unregister = () => {
      if (id !== undefined) this.attempts.remove(id, interrupt);
    };
    const reject = async (error: DomainError) => {
      end();
      unregister();
      release();
      // The refusal is recorded whatever happens to the bytes: a temporary the store cannot remove now
      // is swept at the next start.
      await writer.abort().catch((failure: unknown) =>
        this.logger.error('cannot drop a refused blob', {
          session: origin.session,
          error: String(failure),
        }),
      );
      this.ledger.reject(origin, 'UPLOAD', error, request.name, resume?.upload);
      return fail<Outcome<'FileUploaded'>>(error.code, error.message);
    };
    /** The bytes so far are kept for the next attempt, and the log says how far this one got. */
    const holdBytes = async () => {
      if (ended || !resume || !('hold' in writer)) return;
      end();
      await writing.catch(() => undefined);
      if (failure) return void (await reject(failure));
      release();
      let held: number;
      try {
        held = await writer.hold();
      } catch (error) {
        this.logger.error('cannot hold an upload', { session: origin.session, error: String(error) });
        await writer.abort().catch(() => undefined);
        const lost = storageFailure(error, 'keeping the bytes received');
        return void this.ledger.reject(origin, 'UPLOAD', lost, request.name, resume.upload);
      }
      const size = request.size === undefined ? {} : { size: request.size };
      const { name } = request;
      const payload = {
        name,
        upload: resume.upload,
        from: startsAt,
        bytes: held - startsAt,
        held,
        ...size,
      };
      this.ledger.record<'UploadInterrupted'>({ ...origin, type: 'UploadInterrupted', payload });
    };
    if (id !== undefined) this.attempts.add(id, interrupt);
    return {
      refused: false,
      startsAt,
      write: async (chunk) => {
        if (failure || ended) return;
        streamed += chunk.length;
        if (request.size === undefined && streamed > this.limits.maxFileSize) {
          failure = domainError('TOO_LARGE', `more than the ${this.limits.maxFileSize} bytes allowed`);
          return;
        }
        try {
          writing = writer.write(chunk);
          await writing;
        } catch (error) {
          // Keep draining the body so the connection stays in step; the refusal comes at the end.
          this.logger.error('blob write failed', { session: origin.session, error: String(error) });
          failure = storageFailure(error, 'writing');
          writing = Promise.resolve();
        }
      },
      finish: async (trailing) => {
        if (ended) return fail('CONFLICT', `a later attempt of upload ${resume?.upload} took over`);
        // From here on a new attempt finds the bytes busy rather than interrupting a publication.
        end();
        unregister();
        if (failure) return reject(failure);
        try {
          const digest = await writer.seal();
          const declared = request.sha256 ?? trailing;
          if (declared !== undefined && declared !== digest.sha256) {
            return reject(
              domainError('CHECKSUM_MISMATCH', `declared sha256 ${declared}, received ${digest.sha256}`),
            );
          }
          release();
          // Checked before the bytes become a blob, so a refusal stores nothing.
          const catalogue = this.ledger.catalogue;
          const pending = this.pending(origin, request);
          const quota = checkActorQuota(catalogue, origin.actor, request.name, digest.size, pending);
          if (!quota.ok) return reject(quota.error);
          await writer.commit();
          // Decide only now, with no await before the record, so concurrent uploads get distinct versions.
          const decision = decideUpload(
            { ...expected, size: digest.size, sha256: digest.sha256 },
            this.ledger.catalogue,
          );
          if (!decision.ok) return reject(decision.error);
          const held = heldUsage(this.ledger.catalogue.heldUploads, origin.actor, request.resume?.upload);
          const exact = checkActorQuota(this.ledger.catalogue, origin.actor, request.name, digest.size, held);
          if (!exact.ok) return reject(exact.error);
          return ok(
            this.ledger.record<'FileUploaded'>({
              ...origin,
              type: 'FileUploaded',
              payload: { ...decision.value, ...appendedTo, ...resumed },
            }),
          );
        } catch (error) {
          this.logger.error('blob commit failed', { session: origin.session, error: String(error) });
          return reject(storageFailure(error, 'committing'));
        }
      },
      refuse: async (error) => {
        if (ended) return;
        end();
        await writing.catch(() => undefined);
        await reject(error);
      },
      abort: async (received) => {
        if (ended) return;
        if (resume) return interrupt();
        const expected = request.size === undefined ? '' : ` of ${request.size}`;
        await reject(domainError('SIZE_MISMATCH', `connection closed after ${received}${expected} bytes`));
      },
    };
  }
}
