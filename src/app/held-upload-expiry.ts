import { inject, injectable } from 'inversify';
import { HeldUpload, heldUploadKey } from '../domain/held-uploads';
import { Clock } from '../domain/ports/clock.port';
import { FileStore } from '../domain/ports/file-store.port';
import { Logger } from '../domain/ports/logger.port';
import { SERVER_ACTOR } from './ban-keeper';
import { Ledger } from './ledger';
import { TOKENS } from './tokens';
import { UploadLimits } from './upload-limits';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Drops the bytes of interrupted uploads nobody continued within the configured hours, by recording
 * `UploadsExpired`: what is resumable is a projection of the log like everything else.
 */
@injectable()
export class HeldUploadExpiry {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.FileStore) private readonly store: FileStore,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.UploadLimits) private readonly limits: UploadLimits,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /** At start: held bytes no held upload accounts for (an attempt a crash cut short) go. */
  async releaseUnaccounted(): Promise<void> {
    const held = this.ledger.catalogue.heldUploads.all();
    await this.store.releaseHeldExcept(
      new Set(held.map((upload) => heldUploadKey(upload.actor, upload.upload))),
    );
  }

  /**
   * Expires every held upload interrupted more than the configured hours ago. Bytes are dropped before the
   * event: a crash between the two leaves a held upload without bytes, which its next attempt is told
   * (it starts again), never bytes that no event accounts for. One with an attempt in flight is skipped.
   */
  async sweep(): Promise<void> {
    const cutoff = this.clock.now().getTime() - this.limits.heldHours * HOUR_MS;
    const expired: HeldUpload[] = [];
    for (const upload of this.ledger.catalogue.heldUploads.all()) {
      if (Date.parse(upload.at) > cutoff) break;
      try {
        await this.store.release(heldUploadKey(upload.actor, upload.upload));
        expired.push(upload);
      } catch (error) {
        this.logger.warn('held upload not expired', { upload: upload.upload, error: String(error) });
      }
    }
    if (expired.length === 0) return;
    this.ledger.record<'UploadsExpired'>({
      actor: SERVER_ACTOR,
      session: '',
      remote: '',
      type: 'UploadsExpired',
      payload: {
        hours: this.limits.heldHours,
        uploads: expired.map(({ actor, upload, name, held }) => ({ actor, upload, name, held })),
      },
    });
  }
}
