import { inject, injectable } from 'inversify';
import { HistoryEntry } from '../../domain/file-versions';
import { Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { resolveHistory } from '../../domain/queries';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';

@injectable()
export class ShowHistory {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(AccessGuard) private readonly access: AccessGuard,
  ) {}

  async execute(origin: EventOrigin, name: string): Promise<Result<readonly HistoryEntry[]>> {
    const allowed = this.access.check(origin, 'read', 'HISTORY', name);
    if (!allowed.ok) return allowed;
    const result = resolveHistory(this.ledger.catalogue, name);
    if (!result.ok) {
      this.ledger.reject(origin, 'HISTORY', result.error, name);
      return result;
    }
    const payload = { name, count: result.value.length };
    this.ledger.record<'HistoryShown'>({ ...origin, type: 'HistoryShown', payload });
    return result;
  }
}
