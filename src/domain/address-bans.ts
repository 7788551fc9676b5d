import { FerryEvent } from './events';

/** How failed logins turn into bans; every field is an operator setting (docs/SECURITY.md). */
export interface BanPolicy {
  /** This many failed logins from one address within `windowMs`... */
  readonly maxFailures: number;
  readonly windowMs: number;
  /** ...ban it for this long, doubling for each ban in a row (one that follows the last within a day). */
  readonly banMs: number;
  /** Addresses never banned (exact addresses, as they appear in events without the port). */
  readonly safelist: readonly string[];
}

export const DEFAULT_BAN_POLICY: BanPolicy = {
  maxFailures: 10,
  windowMs: 10 * 60_000,
  banMs: 15 * 60_000,
  safelist: [],
};

/** A ban never lasts longer than this, however often it repeats. */
export const MAX_BAN_MS = 24 * 60 * 60_000;
/** A ban that starts within this long after the previous one ended counts as a repeat. */
export const REPEAT_WINDOW_MS = 24 * 60 * 60_000;
/** Failure times older than this are forgotten; no policy window may be longer. */
const FAILURE_MEMORY_MS = 24 * 60 * 60_000;
/** Only the newest failures matter for a threshold; more are not kept per address. */
const MAX_REMEMBERED_FAILURES = 1000;

interface AddressRecord {
  failures: number[];
  banUntil?: number;
  /** Bans in a row and when the last one ends, for the doubling. */
  streak: number;
  lastBanEnd?: number;
}

/** [address, failure times (ms), ban until or -1, streak, last ban end or -1] */
export type AddressTuple = [string, number[], number, number, number];

/** Failed logins and bans per remote address, as folded so far. */
export interface BansReader {
  /** Failed logins from `address` in the window ending at `now`. */
  failuresWithin(address: string, windowMs: number, now: Date): number;
  /** The end of the ban in force on `address`, if any (it may have passed without being lifted yet). */
  bannedUntil(address: string): Date | undefined;
  /** Addresses whose ban has run out at `now` and still waits for its AddressUnbanned. */
  expired(now: Date): string[];
  /** The number of the next ban of `address` at `now`: its streak continues if the last ended recently. */
  nextBanNumber(address: string, now: Date): number;
}

/**
 * The projection of failed logins and bans per remote address. Folded from events, so a restart keeps
 * both the bans in force and the failures counting towards the next one.
 */
export class AddressBans implements BansReader {
  private readonly records = new Map<string, AddressRecord>();

  /** Folds one event; returns the addresses whose record it changed or forgot. */
  apply(event: FerryEvent): string[] {
    switch (event.type) {
      case 'LoginFailed': {
        const address = addressOf(event.remote);
        const at = Date.parse(event.at);
        const forgotten = this.forgetBefore(at - FAILURE_MEMORY_MS);
        const record = this.touch(address);
        record.failures.push(at);
        if (record.failures.length > MAX_REMEMBERED_FAILURES) record.failures.shift();
        return [...forgotten, address];
      }
      case 'AddressBanned': {
        const record = this.touch(event.payload.address);
        record.banUntil = Date.parse(event.payload.until);
        record.streak = event.payload.ban;
        record.lastBanEnd = record.banUntil;
        record.failures = [];
        return [event.payload.address];
      }
      case 'AddressUnbanned': {
        const record = this.records.get(event.payload.address);
        if (record) record.banUntil = undefined;
        return [event.payload.address];
      }
      default:
        return [];
    }
  }

  /** Failed logins from `address` in the window ending at `now`. */
  failuresWithin(address: string, windowMs: number, now: Date): number {
    const since = now.getTime() - windowMs;
    return this.records.get(address)?.failures.filter((at) => at > since).length ?? 0;
  }

  /** The end of the ban in force on `address`, if any (it may have passed without being lifted yet). */
  bannedUntil(address: string): Date | undefined {
    const until = this.records.get(address)?.banUntil;
    return until === undefined ? undefined : new Date(until);
  }

  /** Addresses whose ban has run out at `now` and still waits for its AddressUnbanned. */
  expired(now: Date): string[] {
    const expired: string[] = [];
    for (const [address, record] of this.records) {
      if (record.banUntil !== undefined && record.banUntil <= now.getTime()) expired.push(address);
    }
    return expired;
  }

  /** The number of the next ban of `address` at `now`: its streak continues if the last ended recently. */
  nextBanNumber(address: string, now: Date): number {
    const record = this.records.get(address);
    if (!record?.lastBanEnd || now.getTime() - record.lastBanEnd > REPEAT_WINDOW_MS) return 1;
    return record.streak + 1;
  }

  /** What is kept of one address, if anything; the inverse of `fromTuples`. */
  stateOf(address: string): AddressTuple | undefined {
    const r = this.records.get(address);
    return r && [address, [...r.failures], r.banUntil ?? -1, r.streak, r.lastBanEnd ?? -1];
  }

  /** Records as an earlier fold left them, given in order of last activity, least recent first. */
  static fromTuples(tuples: Iterable<AddressTuple>): AddressBans {
    const bans = new AddressBans();
    for (const [address, failures, banUntil, streak, lastBanEnd] of tuples) {
      bans.records.set(address, {
        failures: [...failures],
        ...(banUntil < 0 ? {} : { banUntil }),
        streak,
        ...(lastBanEnd < 0 ? {} : { lastBanEnd }),
      });
    }
    return bans;
  }

  /** Keeps the map in order of last activity, so forgetting idle addresses only looks at the front. */
  private touch(address: string): AddressRecord {
    const record = this.records.get(address) ?? { failures: [], streak: 0 };
    this.records.delete(address);
    this.records.set(address, record);
    return record;
  }

  private forgetBefore(cutoff: number): string[] {
    const forgotten: string[] = [];
    for (const [address, record] of this.records) {
      const newest = Math.max(record.failures.at(-1) ?? 0, record.banUntil ?? 0, record.lastBanEnd ?? 0);
      if (newest >= cutoff) break;
      this.records.delete(address);
      forgotten.push(address);
    }
    return forgotten;
  }
}

/** The length of ban number `ban`: the base doubled for each repeat, never more than a day. */
export function banLength(policy: BanPolicy, ban: number): number {
  return Math.min(policy.banMs * 2 ** Math.max(0, ban - 1), MAX_BAN_MS);
}

/**
 * The address part of an event's `remote` ("203.0.113.9:51234", "::1:51234"). IPv4 addresses that reach
 * an IPv6 socket as "::ffff:a.b.c.d" count as the IPv4 address, so one client cannot have two scores.
 */
export function addressOf(remote: string): string {
  const colon = remote.lastIndexOf(':');
  const host = colon < 0 ? remote : remote.slice(0, colon);
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice('::ffff:'.length) : host;
}
