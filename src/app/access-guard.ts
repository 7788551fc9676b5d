import { inject, injectable } from 'inversify';
import { AnonymousPolicy, permit, resolveRights, Rights } from '../domain/authorization';
import { Result } from '../domain/errors';
import { EventOrigin, Role } from '../domain/events';
import { Ledger } from './ledger';
import { TOKENS } from './tokens';

/**
 * Every use case asks here first, so no transport can forget a rule: who the actor is now (an account
 * disabled mid-session loses its rights at once), whether its role allows the command, and whether the
 * name lies in its home. A refusal is recorded as the command's one event.
 */
@injectable()
export class AccessGuard {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.AnonymousPolicy) private readonly anonymous: AnonymousPolicy,
  ) {}

  /** Whether a session that has not logged in may act as `anonymous` right now. */
  get anonymousAllowed(): boolean {
    return this.anonymous.allowed && this.ledger.catalogue.accounts.count === 0;
  }

  rights(origin: EventOrigin): Result<Rights> {
    return resolveRights(origin.actor, this.ledger.catalogue.accounts, this.anonymous);
  }

  /**
   * `name` is the file the command is about, checked against the home; a `subject` that is not a file
   * (an account name, say) is only recorded with a refusal.
   */
  check(origin: EventOrigin, needed: Role, command: string, name?: string, subject?: string): Result<Rights> {
    const rights = this.rights(origin);
    const allowed = rights.ok ? permit(rights.value, needed, command, name) : rights;
    if (!allowed.ok) {
      this.ledger.reject(origin, command, allowed.error, name ?? subject);
      return allowed;
    }
    return rights;
  }
}
