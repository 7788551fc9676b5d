import { inject, injectable } from 'inversify';
import { addressOf } from '../domain/address-bans';
import { DomainError, domainError, Result } from '../domain/errors';
import { ConnectionRefusal } from '../domain/events';
import { Clock } from '../domain/ports/clock.port';
import { BanKeeper, SERVER_ACTOR } from './ban-keeper';
import { ConnectionLimits } from './connection-limits';
import { Ledger } from './ledger';
import { TOKENS } from './tokens';

/** Refusals are counted per address and reason, and at most this many distinct ones between flushes. */
const MAX_TALLIES = 10_000;
/** Refusals beyond that are counted under this address, so a flood from many addresses stays bounded. */
export const OTHER_ADDRESSES = '*';

interface Tally {
  readonly address: string;
  readonly reason: ConnectionRefusal;
  count: number;
  readonly from: string;
  to: string;
}

/** A connection let in; release it when it closes. */
export interface Admission {
  release(): void;
}

/**
 * Decides, before a session begins, whether a connection may have one: not from a banned address, not
 * beyond the server's or the address's connection limit. Every transport asks here. A refused connection
 * is not a session and gets no event of its own: refusals are counted and recorded in aggregate, one
 * ConnectionsRefused event per address and reason each time `flushRefusals` runs, so a flood cannot grow
 * the log without bound.
 */
@injectable()
export class ConnectionGate {
  private open = 0;
  private readonly perAddress = new Map<string, number>();
  private tallies = new Map<string, Tally>();

  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(BanKeeper) private readonly bans: BanKeeper,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.ConnectionLimits) private readonly limits: ConnectionLimits,
  ) {}

  get connections(): number {
    return this.open;
  }

  admit(remote: string): Result<Admission> {
    const address = addressOf(remote);
    if (this.bans.isBanned(remote)) {
      return this.refuse(
        address,
        'banned',
        domainError('BANNED', 'your address is banned after too many failed logins'),
      );
    }
    if (this.open >= this.limits.maxConnections) {
      return this.refuse(
        address,
        'server-full',
        domainError('TOO_MANY_CONNECTIONS', 'the server is full; try again later'),
      );
    }
    const mine = this.perAddress.get(address) ?? 0;
    if (mine >= this.limits.maxConnectionsPerAddress) {
      return this.refuse(
        address,
        'address-full',
        domainError(
          'TOO_MANY_CONNECTIONS',
          `at most ${this.limits.maxConnectionsPerAddress} connections per address`,
        ),
      );
    }
    this.open++;
    this.perAddress.set(address, mine + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.open--;
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left === 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    };
    return { ok: true, value: { release } };
  }

  /** Records the refusals counted since the last flush, one event per address and reason. */
  flushRefusals(): void {
    const tallies = this.tallies;
    this.tallies = new Map();
    for (const { address, reason, count, from, to } of tallies.values()) {
      this.ledger.record<'ConnectionsRefused'>({
        actor: SERVER_ACTOR,
        session: '',
        remote: address,
        type: 'ConnectionsRefused',
        payload: { address, reason, count, from, to },
      });
    }
  }

  private refuse(address: string, reason: ConnectionRefusal, error: DomainError): Result<Admission> {
    const at = this.clock.now().toISOString();
    const counted =
      this.tallies.has(`${reason} ${address}`) || this.tallies.size < MAX_TALLIES ? address : OTHER_ADDRESSES;
    const key = `${reason} ${counted}`;
    const tally = this.tallies.get(key);
    if (tally) {
      tally.count++;
      tally.to = at;
    } else {
      this.tallies.set(key, { address: counted, reason, count: 1, from: at, to: at });
    }
    return { ok: false, error };
  }
}
