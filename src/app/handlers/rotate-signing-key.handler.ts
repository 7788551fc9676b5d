import { inject, injectable } from 'inversify';
import { domainError, ok, Result } from '../../domain/errors';
import { EventOf, EventOrigin } from '../../domain/events';
import { SigningKeyRotation } from '../../domain/ports/signing-key-rotation.port';
import { EventLog } from '../../domain/ports/event-log.port';
import { Logger } from '../../domain/ports/logger.port';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';

/**
 * ROTATE-KEY (an admin, over the wire) and `ferry audit rotate-key` (the server stopped): a new checkpoint
 * key, introduced by the log in a SigningKeyRotated event that the key it replaces signs (the event log
 * writes a checkpoint of exactly its size with the old key, then signs with the new one).
 */
@injectable()
export class RotateSigningKey {
  /** One rotation at a time: a second would find the first's next key half made. */
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(AccessGuard) private readonly access: AccessGuard,
    @inject(TOKENS.SigningKeyRotation) private readonly rotation: SigningKeyRotation,
    @inject(TOKENS.EventLog) private readonly log: EventLog,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  execute(origin: EventOrigin): Promise<Result<EventOf<'SigningKeyRotated'>>> {
    const turn = this.running.then(() => this.rotate(origin));
    this.running = turn.catch(() => undefined);
    return turn;
  }

  private async rotate(origin: EventOrigin): Promise<Result<EventOf<'SigningKeyRotated'>>> {
    const allowed = this.access.check(origin, 'admin', 'ROTATE-KEY');
    if (!allowed.ok) return allowed;
    const previous = this.rotation.current();
    const inForce = this.log.signingKeyId();
    if (previous === undefined || inForce === undefined) {
      return this.refuse(
        origin,
        'this server signs no checkpoints (memory storage): there is no key to rotate',
      );
    }
    if (previous.keyId !== inForce) {
      return this.refuse(
        origin,
        'the key files do not hold the key the log signs with (a key change is not finished): restart the server, which finishes it',
      );
    }
    const next = this.rotation.prepareNext();
    const rotated = this.ledger.record<'SigningKeyRotated'>({
      ...origin,
      type: 'SigningKeyRotated',
      payload: {
        previousKeyId: previous.keyId,
        previousPublicKey: previous.publicKeyText,
        keyId: next.keyId,
        publicKey: next.publicKeyText,
      },
    });
    await this.ledger.drain();
    // Only once the change is durable: a crash before this leaves the next key beside the current one,
    // which the next start puts in place, as the log says it must. The change is made either way.
    try {
      this.rotation.promoteNext();
    } catch (error) {
      this.logger.error(
        'the new checkpoint key is in force but not yet in place; the next start puts it there',
        {
          error: error instanceof Error ? error.message : String(error),
        },
      );
    }
    return ok(rotated);
  }

  private refuse(origin: EventOrigin, message: string): Result<EventOf<'SigningKeyRotated'>> {
    const error = domainError('CONFLICT', message);
    this.ledger.reject(origin, 'ROTATE-KEY', error);
    return { ok: false, error };
  }
}
