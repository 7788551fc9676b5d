import { inject, injectable } from 'inversify';
import { EventOrigin } from '../../domain/events';
import { Ledger } from '../ledger';

@injectable()
export class ShowHelp {
  constructor(@inject(Ledger) private readonly ledger: Ledger) {}

  async execute(origin: EventOrigin): Promise<void> {
    this.ledger.record({ ...origin, type: 'HelpShown', payload: {} });
  }
}
