import { inject, injectable } from 'inversify';
import { domainError, ok, Result } from '../../domain/errors';
import { EventOf, EventOrigin } from '../../domain/events';
import { SigningKeyRotation } from '../../domain/ports/signing-key-rotation.port';
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
    if (previous === undefined) {
      const error = domainError(
        'CONFLICT',
        'this server signs no checkpoints (memory storage): there is no key to rotate',
      );
      this.ledger.reject(origin, 'ROTATE-KEY', error);
      return { ok: false, error };
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
    // which the next start puts in place, as the log says it must.
    this.rotation.promoteNext();
    return ok(rotated);
  }
}
