import { inject, injectable } from 'inversify';
import { DomainError } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { Ledger } from '../ledger';

/** Records a request refused before any use case could take it (unparseable, unknown, bad name). */
@injectable()
export class RejectCommand {
  constructor(@inject(Ledger) private readonly ledger: Ledger) {}

  async execute(origin: EventOrigin, command: string, error: DomainError, name?: string): Promise<void> {
    this.ledger.reject(origin, command, error, name);
  }
}
