import { inject, injectable } from 'inversify';
import { FileVersion } from '../../domain/catalogue';
import { EventOrigin } from '../../domain/events';
import { describePoint, PointInTime } from '../../domain/point-in-time';
import { CatalogueHistory } from '../catalogue-history';
import { Ledger } from '../ledger';

@injectable()
export class ListFiles {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(CatalogueHistory) private readonly history: CatalogueHistory,
  ) {}

  /** Live files now, or as they were at a past point. */
  async execute(origin: EventOrigin, prefix: string, at?: PointInTime): Promise<FileVersion[]> {
    const catalogue = at ? await this.history.at(at) : this.ledger.catalogue;
    const files = catalogue.list(prefix);
    const payload = { prefix, count: files.length, ...(at ? { at: describePoint(at) } : {}) };
    this.ledger.record<'FilesListed'>({ ...origin, type: 'FilesListed', payload });
    return files;
  }
}
