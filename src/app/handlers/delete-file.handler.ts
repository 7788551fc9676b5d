import { inject, injectable } from 'inversify';
import { Outcome } from '../../domain/catalogue';
import { DeleteCommand, decideDelete } from '../../domain/decide';
import { ok, Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';
import { replayIfRepeated } from './request-replay';

@injectable()
export class DeleteFile {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(AccessGuard) private readonly access: AccessGuard,
  ) {}

  async execute(origin: EventOrigin, command: DeleteCommand): Promise<Result<Outcome<'FileDeleted'>>> {
    const allowed = this.access.check(origin, 'write', 'DELETE', command.name);
    if (!allowed.ok) return allowed;
    const replayed = await replayIfRepeated(this.ledger, origin, 'DELETE', command.requestId, 'FileDeleted');
    if (replayed) return replayed;
    const decision = decideDelete(command, this.ledger.catalogue);
    if (!decision.ok) {
      this.ledger.reject(origin, 'DELETE', decision.error, command.name);
      return decision;
    }
    return ok(this.ledger.record<'FileDeleted'>({ ...origin, type: 'FileDeleted', payload: decision.value }));
  }
}
