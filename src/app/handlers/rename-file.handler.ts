import { inject, injectable } from 'inversify';
import { Outcome } from '../../domain/catalogue';
import { decideRename, RenameCommand } from '../../domain/decide';
import { ok, Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { checkRenameQuota } from '../../domain/quota';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';
import { replayIfRepeated } from './request-replay';

/**
 * RENAME: one live file moves to another name in one event (`FileRenamed`). Both names must lie in the
 * caller's home; refusals are recorded with the name that caused them (the source unless the target did).
 */
@injectable()
export class RenameFile {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(AccessGuard) private readonly access: AccessGuard,
  ) {}

  async execute(origin: EventOrigin, command: RenameCommand): Promise<Result<Outcome<'FileRenamed'>>> {
    // Each check records its own refusal, so a refused rename still leaves exactly one event.
    const allowed = this.access.check(origin, 'write', 'RENAME', command.from);
    if (!allowed.ok) return allowed;
    const allowedTo = this.access.check(origin, 'write', 'RENAME', command.to);
    if (!allowedTo.ok) return allowedTo;
    const replayed = await replayIfRepeated(this.ledger, origin, 'RENAME', command.requestId, 'FileRenamed');
    if (replayed) return replayed;
    const catalogue = this.ledger.catalogue;
    const decision = decideRename(command, catalogue);
    if (!decision.ok) {
      this.ledger.reject(origin, 'RENAME', decision.error, command.from);
      return decision;
    }
    const fits = checkRenameQuota(catalogue, origin.actor, command.from, command.to, decision.value.size);
    if (!fits.ok) {
      this.ledger.reject(origin, 'RENAME', fits.error, command.from);
      return fits;
    }
    return ok(this.ledger.record<'FileRenamed'>({ ...origin, type: 'FileRenamed', payload: decision.value }));
  }
}
