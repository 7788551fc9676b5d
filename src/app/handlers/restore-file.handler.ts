import { inject, injectable } from 'inversify';
import { Outcome } from '../../domain/catalogue';
import { decideRestore, RestoreCommand } from '../../domain/decide';
import { domainError, fail, ok, Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { FileStore } from '../../domain/ports/file-store.port';
import { AccessGuard } from '../access-guard';
import { checkActorQuota } from '../../domain/quota';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';
import { replayIfRepeated } from './request-replay';

@injectable()
export class RestoreFile {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.FileStore) private readonly store: FileStore,
    @inject(AccessGuard) private readonly access: AccessGuard,
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
    if (source && !catalogue.isCollected(source.sha256) && !(await this.store.has(source.sha256))) {
      const error = domainError(
        'STORAGE_FAILED',
        `the bytes of ${command.name} version ${command.version} are missing`,
      );
      this.ledger.reject(origin, 'RESTORE', error, command.name);
      return fail(error.code, error.message);
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
}
