import { inject, injectable } from 'inversify';
import { EventOrigin, SessionCloseReason } from '../../domain/events';
import { IdGenerator } from '../../domain/ports/id-generator.port';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';

/** Until authentication exists, every session acts as this actor; the remote address tells them apart. */
export const ANONYMOUS = 'anonymous';

/** Sessions opening and closing are events too: the log answers who connected from where, and when. */
@injectable()
export class SessionLifecycle {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.IdGenerator) private readonly ids: IdGenerator,
  ) {}

  async open(remote: string, protocol: number): Promise<EventOrigin> {
    const origin: EventOrigin = { actor: ANONYMOUS, session: this.ids.next(), remote };
    this.ledger.record<'SessionOpened'>({ ...origin, type: 'SessionOpened', payload: { protocol } });
    return origin;
  }

  async close(origin: EventOrigin, reason: SessionCloseReason): Promise<void> {
    this.ledger.record<'SessionClosed'>({ ...origin, type: 'SessionClosed', payload: { reason } });
  }
}
