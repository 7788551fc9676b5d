import { inject, injectable } from 'inversify';
import { addressOf, banLength, BanPolicy } from '../domain/address-bans';
import { EventOrigin } from '../domain/events';
import { Clock } from '../domain/ports/clock.port';
import { Ledger } from './ledger';
import { TOKENS } from './tokens';

/** Events the server makes on its own account (bans lifted, refusals counted) carry this actor. */
export const SERVER_ACTOR = 'system:ferry';

/**
 * Turns failed logins into bans and lifts them when they run out, always by recording an event: the
 * bans in force are a projection of the log like everything else, and survive a restart.
 */
@injectable()
export class BanKeeper {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.BanPolicy) private readonly policy: BanPolicy,
  ) {}

  /** Whether `remote` ("address:port") is banned now; a ban that ran out is lifted on the way. */
  isBanned(remote: string): boolean {
    const address = addressOf(remote);
    const until = this.ledger.catalogue.bans.bannedUntil(address);
    if (until === undefined) return false;
    if (until > this.clock.now()) return true;
    this.lift(address);
    return false;
  }

  /** After a failed login from `origin`: bans its address once it has failed often enough. */
  afterFailure(origin: EventOrigin): boolean {
    const address = addressOf(origin.remote);
    if (this.policy.safelist.includes(address)) return false;
    const now = this.clock.now();
    const bans = this.ledger.catalogue.bans;
    const failures = bans.failuresWithin(address, this.policy.windowMs, now);
    if (failures < this.policy.maxFailures) return false;
    const ban = bans.nextBanNumber(address, now);
    const until = new Date(now.getTime() + banLength(this.policy, ban)).toISOString();
    this.ledger.record<'AddressBanned'>({
      ...origin,
      type: 'AddressBanned',
      payload: { address, until, failures, ban },
    });
    return true;
  }

  /** Lifts every ban that has run out; run now and then so the log says when each ban ended. */
  sweep(): void {
    for (const address of this.ledger.catalogue.bans.expired(this.clock.now())) this.lift(address);
  }

  private lift(address: string): void {
    this.ledger.record<'AddressUnbanned'>({
      actor: SERVER_ACTOR,
      session: '',
      remote: address,
      type: 'AddressUnbanned',
      payload: { address },
    });
  }
}
