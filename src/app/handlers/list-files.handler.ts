import { inject, injectable } from 'inversify';
import { confinePrefix } from '../../domain/authorization';
import { FileVersion } from '../../domain/catalogue';
import { Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { describePoint, PointInTime } from '../../domain/point-in-time';
import { AccessGuard } from '../access-guard';
import { CatalogueHistory } from '../catalogue-history';
import { Ledger } from '../ledger';

@injectable()
export class ListFiles {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(CatalogueHistory) private readonly history: CatalogueHistory,
    @inject(AccessGuard) private readonly access: AccessGuard,
  ) {}

  /** Live files now, or as they were at a past point; never a name outside the caller's home. */
  async execute(origin: EventOrigin, prefix: string, at?: PointInTime): Promise<Result<FileVersion[]>> {
    const allowed = this.access.check(origin, 'read', 'LIST');
    if (!allowed.ok) return allowed;
    const confined = confinePrefix(allowed.value, prefix);
    if (!confined.ok) {
      this.ledger.reject(origin, 'LIST', confined.error);
      return confined;
    }
    const catalogue = at ? await this.history.at(at) : this.ledger.catalogue;
    const files = catalogue.list(confined.value);
    const payload = { prefix: confined.value, count: files.length, ...(at ? { at: describePoint(at) } : {}) };
    this.ledger.record<'FilesListed'>({ ...origin, type: 'FilesListed', payload });
    return { ok: true, value: files };
  }
}
