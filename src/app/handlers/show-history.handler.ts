import { inject, injectable } from 'inversify';
import { HistoryEntry } from '../../domain/catalogue';
import { Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { resolveHistory } from '../../domain/queries';
import { Ledger } from '../ledger';

@injectable()
export class ShowHistory {
  constructor(@inject(Ledger) private readonly ledger: Ledger) {}

  async execute(origin: EventOrigin, name: string): Promise<Result<readonly HistoryEntry[]>> {
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
