import { inject, injectable } from 'inversify';
import { ANONYMOUS } from '../../domain/accounts';
import { EventOrigin, EventPayloads, SessionCloseReason } from '../../domain/events';
import { IdGenerator } from '../../domain/ports/id-generator.port';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';

/** Sessions opening and closing are events too: the log answers who connected from where, and when. */
@injectable()
export class SessionLifecycle {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.IdGenerator) private readonly ids: IdGenerator,
  ) {}

  /** A session starts as `anonymous`; a login gives it an account. */
  async open(remote: string, payload: EventPayloads['SessionOpened']): Promise<EventOrigin> {
    const origin: EventOrigin = { actor: ANONYMOUS, session: this.ids.next(), remote };
    this.ledger.record<'SessionOpened'>({ ...origin, type: 'SessionOpened', payload });
    return origin;
  }

  async close(origin: EventOrigin, reason: SessionCloseReason): Promise<void> {
    this.ledger.record<'SessionClosed'>({ ...origin, type: 'SessionClosed', payload: { reason } });
  }
}
