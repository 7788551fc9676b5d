import { inject, injectable } from 'inversify';
import { FileVersion } from '../../domain/catalogue';
import { Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { resolveStat } from '../../domain/queries';
import { Ledger } from '../ledger';

@injectable()
export class StatFile {
  constructor(@inject(Ledger) private readonly ledger: Ledger) {}

  async execute(origin: EventOrigin, name: string): Promise<Result<FileVersion>> {
    const result = resolveStat(this.ledger.catalogue, name);
    if (!result.ok) {
      this.ledger.reject(origin, 'STAT', result.error, name);
      return result;
    }
    const payload = { name, version: result.value.version };
    this.ledger.record<'FileStatShown'>({ ...origin, type: 'FileStatShown', payload });
    return result;
  }
}
