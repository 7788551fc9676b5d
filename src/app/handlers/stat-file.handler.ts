import { inject, injectable } from 'inversify';
import { FileVersion } from '../../domain/file-versions';
import { Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { resolveStat } from '../../domain/queries';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';

@injectable()
export class StatFile {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(AccessGuard) private readonly access: AccessGuard,
  ) {}

  async execute(origin: EventOrigin, name: string): Promise<Result<FileVersion>> {
    const allowed = this.access.check(origin, 'read', 'STAT', name);
    if (!allowed.ok) return allowed;
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
