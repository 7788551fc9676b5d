import { inject, injectable } from 'inversify';
import { isKeyName } from '../domain/audit/signed-note';
import { EventLog } from '../domain/ports/event-log.port';
import { SERVER_ACTOR } from './ban-keeper';
import { Ledger } from './ledger';
import { TOKENS } from './tokens';

/**
 * The log's name: the origin line of its C2SP checkpoints and the key name of their signatures, so that
 * the checkpoints of two logs can never pass for each other. Recorded once (LogNamed) and never changed.
 */
@injectable()
export class LogName {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.EventLog) private readonly log: EventLog,
  ) {}

  /**
   * Names a log that has no name yet, `asked` or else one made from its signing key's id, so unique as
   * the key is; a named log refuses another name.
   */
  async ensure(asked: string | undefined): Promise<string> {
    const current = this.log.origin();
    if (current !== undefined) {
      if (asked !== undefined && asked !== current) {
        throw new Error(
          `this audit log is named ${current}, once and for all: --log-origin ${asked} cannot rename it`,
        );
      }
      return current;
    }
    const origin = asked ?? `ferry/${this.log.signingKeyId()?.slice(0, 16) ?? 'memory'}`;
    if (!isKeyName(origin)) {
      throw new Error(`--log-origin ${JSON.stringify(origin)}: a log name has no spaces and no "+"`);
    }
    this.ledger.record<'LogNamed'>({
      actor: SERVER_ACTOR,
      session: '',
      remote: '',
      type: 'LogNamed',
      payload: { origin },
    });
    await this.ledger.drain();
    return origin;
  }
}
