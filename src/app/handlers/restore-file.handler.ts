import { inject, injectable } from 'inversify';
import { Outcome } from '../../domain/catalogue';
import { decideRestore, RestoreCommand } from '../../domain/decide';
import { DomainError, domainError, fail, ok, Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { FileVersion } from '../../domain/file-versions';
import { FileStore } from '../../domain/ports/file-store.port';
import { Logger } from '../../domain/ports/logger.port';
import { AccessGuard } from '../access-guard';
import { checkActorQuota } from '../../domain/quota';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';
import { replayIfRepeated } from './request-replay';
import { storageFailure } from './storage-failure';

@injectable()
export class RestoreFile {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.FileStore) private readonly store: FileStore,
    @inject(AccessGuard) private readonly access: AccessGuard,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  async execute(origin: EventOrigin, command: RestoreCommand): Promise<Result<Outcome<'FileRestored'>>> {
    const allowed = this.access.check(origin, 'write', 'RESTORE', command.name);
    if (!allowed.ok) return allowed;
    const replayed = await replayIfRepeated(
      this.ledger,
      origin,
      'RESTORE',
      command.requestId,
      'FileRestored',
    );
    if (replayed) return replayed;
    const catalogue = this.ledger.catalogue;
    const source = catalogue.version(command.name, command.version);
    const missing = source && !catalogue.isCollected(source.sha256) && (await this.blobMissing(source));
    if (missing) {
      this.ledger.reject(origin, 'RESTORE', missing, command.name);
      return fail(missing.code, missing.message);
    }
    // Decided after the await above, with none before the record, so a concurrent write is not lost.
    const decision = decideRestore(command, this.ledger.catalogue);
    if (!decision.ok) {
      this.ledger.reject(origin, 'RESTORE', decision.error, command.name);
      return decision;
    }
    // The restored version is the restorer's, so it counts against the restorer's quota.
    const fits = checkActorQuota(this.ledger.catalogue, origin.actor, command.name, decision.value.size);
    if (!fits.ok) {
      this.ledger.reject(origin, 'RESTORE', fits.error, command.name);
      return fits;
    }
    return ok(
      this.ledger.record<'FileRestored'>({ ...origin, type: 'FileRestored', payload: decision.value }),
    );
  }

  /** Why the version's bytes cannot be restored, if they cannot: gone, or the store cannot say. */
  private async blobMissing(source: FileVersion): Promise<DomainError | undefined> {
    const what = `${source.name} version ${source.version}`;
    try {
      if (await this.store.has(source.sha256)) return undefined;
      return domainError('STORAGE_FAILED', `the bytes of ${what} are missing`);
    } catch (error) {
      this.logger.error('cannot look for a blob', { sha256: source.sha256, error: String(error) });
      return storageFailure(error, `looking for the bytes of ${what}`);
    }
  }
}
