import { inject, injectable } from 'inversify';
import { FileVersion } from '../../domain/catalogue';
import { EventOrigin } from '../../domain/events';
import { Ledger } from '../ledger';

@injectable()
export class ListFiles {
  constructor(@inject(Ledger) private readonly ledger: Ledger) {}

  async execute(origin: EventOrigin, prefix: string): Promise<FileVersion[]> {
    const files = this.ledger.catalogue.list(prefix);
    await this.ledger.record({ ...origin, type: 'FilesListed', payload: { prefix, count: files.length } });
    return files;
  }
}
