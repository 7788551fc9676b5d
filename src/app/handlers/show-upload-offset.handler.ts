import { inject, injectable } from 'inversify';
import { domainError, ok, Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { HeldUpload, heldUploadKey } from '../../domain/held-uploads';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';
import { ResumableAttempts } from '../resumable-attempts';

/**
 * OFFSET: where an interrupted upload of one's own continues, so its client sends only the rest. An
 * attempt of it still in flight is interrupted first: the client asking has given up on it.
 */
@injectable()
export class ShowUploadOffset {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(AccessGuard) private readonly access: AccessGuard,
    @inject(ResumableAttempts) private readonly attempts: ResumableAttempts,
  ) {}

  async execute(origin: EventOrigin, upload: string): Promise<Result<HeldUpload>> {
    const allowed = this.access.check(origin, 'write', 'OFFSET');
    if (!allowed.ok) return allowed;
    // Asking where to continue says the attempt before is over, whether or not its cut was seen.
    await this.attempts.settle(heldUploadKey(origin.actor, upload));
    const held = this.ledger.catalogue.heldUploads.get(origin.actor, upload);
    if (!held) {
      const error = domainError('NOT_FOUND', `no bytes are held for upload ${upload}: start it at offset 0`);
      this.ledger.reject(origin, 'OFFSET', error);
      return { ok: false, error };
    }
    const payload = { upload, name: held.name, held: held.held };
    this.ledger.record<'UploadOffsetShown'>({ ...origin, type: 'UploadOffsetShown', payload });
    return ok(held);
  }
}
