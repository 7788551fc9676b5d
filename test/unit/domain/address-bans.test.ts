import {
  addressOf,
  AddressBans,
  AddressTuple,
  banLength,
  BanPolicy,
  DEFAULT_BAN_POLICY,
  MAX_BAN_MS,
  REPEAT_WINDOW_MS,
} from '../../../src/domain/address-bans';
import { FerryEvent } from '../../../src/domain/events';
import { eventFactory, EventFactory, foldInto } from '../../support/domain-events';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Log events at chosen times: the shared factory only numbers them. */
function timed(f: EventFactory) {
  return {
    failed(atMs: number, remote = '203.0.113.9:51234'): FerryEvent {
      const event = f.make(
        'LoginFailed',
        { user: 'alice', reason: 'bad-password' },
        { actor: 'anonymous', remote },
      );
      return { ...event, at: iso(atMs) };
    },
    banned(atMs: number, address: string, untilMs: number, ban: number, failures = 10): FerryEvent {
      const event = f.make(
        'AddressBanned',
        { address, until: iso(untilMs), failures, ban },
        { actor: 'system' },
      );
      return { ...event, at: iso(atMs) };
    },
    unbanned(atMs: number, address: string): FerryEvent {
      const event = f.make('AddressUnbanned', { address }, { actor: 'system' });
      return { ...event, at: iso(atMs) };
    },
  };
}

const fold = (events: readonly FerryEvent[]) => foldInto(new AddressBans(), events);

const ADDRESS = '203.0.113.9';
const WINDOW = 10 * MINUTE;

describe('AddressBans', () => {
  it('knows nothing of an address it never saw', () => {
    const bans = new AddressBans();
    expect(bans.failuresWithin(ADDRESS, WINDOW, new Date(T0))).toBe(0);
    expect(bans.bannedUntil(ADDRESS)).toBeUndefined();
    expect(bans.expired(new Date(T0))).toEqual([]);
    expect(bans.nextBanNumber(ADDRESS, new Date(T0))).toBe(1);
    expect(bans.stateOf(ADDRESS)).toBeUndefined();
  });

  describe('failuresWithin', () => {
    it('counts only the failures inside the window ending at now', () => {
      const e = timed(eventFactory());
      const bans = fold([
        e.failed(T0),
        e.failed(T0 + 1 * MINUTE),
        e.failed(T0 + 5 * MINUTE),
        e.failed(T0 + 11 * MINUTE),
      ]);
      const now = new Date(T0 + 12 * MINUTE);
      expect(bans.failuresWithin(ADDRESS, WINDOW, now)).toBe(2);
      expect(bans.failuresWithin(ADDRESS, 12 * MINUTE - 1, now)).toBe(3);
      expect(bans.failuresWithin(ADDRESS, 13 * MINUTE, now)).toBe(4);
      expect(bans.failuresWithin(ADDRESS, 30_000, now)).toBe(0);
    });

    it('counts a failure 1 ms inside the window and not one 1 ms outside', () => {
      const e = timed(eventFactory());
      const bans = fold([e.failed(T0)]);
      expect(bans.failuresWithin(ADDRESS, WINDOW, new Date(T0 + WINDOW - 1))).toBe(1);
      expect(bans.failuresWithin(ADDRESS, WINDOW, new Date(T0 + WINDOW + 1))).toBe(0);
    });

    it('counts per address, whatever the port, and keeps addresses apart', () => {
      const e = timed(eventFactory());
      const bans = fold([
        e.failed(T0, '203.0.113.9:1000'),
        e.failed(T0 + 1, '203.0.113.9:2000'),
        e.failed(T0 + 2, '::ffff:203.0.113.9:3000'),
        e.failed(T0 + 3, '198.51.100.7:1000'),
        e.failed(T0 + 4, '2001:db8::1:4000'),
      ]);
      const now = new Date(T0 + MINUTE);
      expect(bans.failuresWithin(ADDRESS, WINDOW, now)).toBe(3);
      expect(bans.failuresWithin('198.51.100.7', WINDOW, now)).toBe(1);
      expect(bans.failuresWithin('2001:db8::1', WINDOW, now)).toBe(1);
      expect(bans.failuresWithin('203.0.113.9:1000', WINDOW, now)).toBe(0);
    });

    it('remembers at most the newest 1000 failures of an address', () => {
      const e = timed(eventFactory());
      const events = Array.from({ length: 1005 }, (_, i) => e.failed(T0 + i));
      expect(fold(events).failuresWithin(ADDRESS, HOUR, new Date(T0 + 2000))).toBe(1000);
    });

    it('forgets an idle address once a failure a day later comes in, and says so', () => {
      const e = timed(eventFactory());
      const bans = fold([e.failed(T0, '198.51.100.7:1')]);
      expect(bans.apply(e.failed(T0 + DAY + 1))).toEqual(['198.51.100.7', ADDRESS]);
      expect(bans.stateOf('198.51.100.7')).toBeUndefined();
      expect(bans.stateOf(ADDRESS)).toBeDefined();
      expect(bans.failuresWithin('198.51.100.7', 2 * DAY, new Date(T0 + DAY + 1))).toBe(0);
    });

    it('does not forget an address failing within the day', () => {
      const e = timed(eventFactory());
      const bans = fold([e.failed(T0, '198.51.100.7:1'), e.failed(T0 + DAY - 1)]);
      expect(bans.failuresWithin('198.51.100.7', 2 * DAY, new Date(T0 + DAY))).toBe(1);
    });

    it('ignores events that are not about logins or bans', () => {
      const f = eventFactory();
      const bans = fold([
        f.make('LoginSucceeded', { user: 'alice', role: 'read' }, { remote: '203.0.113.9:1' }),
        f.make('CommandRejected', { command: 'GET', code: 'UNAUTHENTICATED', message: 'x' }),
        f.uploaded('doc.txt', 1),
      ]);
      expect(bans.stateOf(ADDRESS)).toBeUndefined();
      expect(bans.apply(f.uploaded('doc.txt', 2))).toEqual([]);
    });
  });

  describe('AddressBanned', () => {
    const until = T0 + 15 * MINUTE;
    function banned(): AddressBans {
      const e = timed(eventFactory());
      return fold([e.failed(T0 - 2), e.failed(T0 - 1), e.banned(T0, ADDRESS, until, 1)]);
    }

    it('sets bannedUntil to the ban end', () => {
      expect(banned().bannedUntil(ADDRESS)).toEqual(new Date(until));
    });

    it('clears the failures that led to it', () => {
      expect(banned().failuresWithin(ADDRESS, DAY, new Date(T0))).toBe(0);
    });

    it('bans only that address', () => {
      expect(banned().bannedUntil('198.51.100.7')).toBeUndefined();
    });

    it('can ban an address that never failed here (as the event says)', () => {
      const e = timed(eventFactory());
      expect(fold([e.banned(T0, '198.51.100.7', until, 1)]).bannedUntil('198.51.100.7')).toEqual(
        new Date(until),
      );
    });

    it('counts new failures again after the ban', () => {
      const e = timed(eventFactory());
      const bans = fold([e.failed(T0 - 1), e.banned(T0, ADDRESS, until, 1), e.failed(until + 1)]);
      expect(bans.failuresWithin(ADDRESS, DAY, new Date(until + 2))).toBe(1);
    });
  });

  describe('expired', () => {
    const until = T0 + 15 * MINUTE;
    function bans(): AddressBans {
      const e = timed(eventFactory());
      return fold([e.banned(T0, ADDRESS, until, 1), e.banned(T0, '198.51.100.7', until + HOUR, 1)]);
    }

    it('lists nothing while every ban runs', () => {
      expect(bans().expired(new Date(until - 1))).toEqual([]);
    });

    it('lists a ban from the moment it ends', () => {
      expect(bans().expired(new Date(until))).toEqual([ADDRESS]);
      expect(bans().expired(new Date(until + 1))).toEqual([ADDRESS]);
    });

    it('lists every ban that has run out', () => {
      expect(
        bans()
          .expired(new Date(until + 2 * HOUR))
          .sort(),
      ).toEqual(['198.51.100.7', ADDRESS]);
    });
  });

  describe('AddressUnbanned', () => {
    it('lifts the ban, so it no longer counts as banned nor as expired', () => {
      const e = timed(eventFactory());
      const until = T0 + 15 * MINUTE;
      const bans = fold([e.banned(T0, ADDRESS, until, 1), e.unbanned(until, ADDRESS)]);
      expect(bans.bannedUntil(ADDRESS)).toBeUndefined();
      expect(bans.expired(new Date(until + DAY))).toEqual([]);
    });

    it('can lift a ban early', () => {
      const e = timed(eventFactory());
      const bans = fold([e.banned(T0, ADDRESS, T0 + HOUR, 1), e.unbanned(T0 + MINUTE, ADDRESS)]);
      expect(bans.bannedUntil(ADDRESS)).toBeUndefined();
    });

    it('does nothing for an address it does not know', () => {
      const e = timed(eventFactory());
      const bans = fold([e.unbanned(T0, ADDRESS)]);
      expect(bans.stateOf(ADDRESS)).toBeUndefined();
      expect(bans.bannedUntil(ADDRESS)).toBeUndefined();
    });
  });

  describe('nextBanNumber', () => {
    const end = T0 + 15 * MINUTE;
    function afterBan(ban: number, unban = true): AddressBans {
      const e = timed(eventFactory());
      return fold([e.banned(T0, ADDRESS, end, ban), ...(unban ? [e.unbanned(end, ADDRESS)] : [])]);
    }

    it('is 1 for an address that only failed', () => {
      const e = timed(eventFactory());
      expect(fold([e.failed(T0)]).nextBanNumber(ADDRESS, new Date(T0))).toBe(1);
    });

    it('continues the streak within a day after the last ban ended', () => {
      expect(afterBan(1).nextBanNumber(ADDRESS, new Date(end + HOUR))).toBe(2);
      expect(afterBan(3).nextBanNumber(ADDRESS, new Date(end + HOUR))).toBe(4);
      expect(afterBan(1).nextBanNumber(ADDRESS, new Date(end + REPEAT_WINDOW_MS))).toBe(2);
    });

    it('restarts at 1 more than a day after the last ban ended', () => {
      expect(afterBan(1).nextBanNumber(ADDRESS, new Date(end + REPEAT_WINDOW_MS + 1))).toBe(1);
      expect(afterBan(5).nextBanNumber(ADDRESS, new Date(end + 3 * DAY))).toBe(1);
    });

    it('continues while a ban has not been lifted', () => {
      expect(afterBan(2, false).nextBanNumber(ADDRESS, new Date(end - 1))).toBe(3);
    });

    it('takes the streak from the newest ban event', () => {
      const e = timed(eventFactory());
      const second = end + HOUR;
      const bans = fold([
        e.banned(T0, ADDRESS, end, 1),
        e.unbanned(end, ADDRESS),
        e.banned(second - 30 * MINUTE, ADDRESS, second, 2),
        e.unbanned(second, ADDRESS),
      ]);
      expect(bans.nextBanNumber(ADDRESS, new Date(second + HOUR))).toBe(3);
      // a day measured from the second ban's end, not the first
      expect(bans.nextBanNumber(ADDRESS, new Date(end + REPEAT_WINDOW_MS + 1))).toBe(3);
      expect(bans.nextBanNumber(ADDRESS, new Date(second + REPEAT_WINDOW_MS + 1))).toBe(1);
    });

    it('is per address', () => {
      expect(afterBan(3).nextBanNumber('198.51.100.7', new Date(end + HOUR))).toBe(1);
    });
  });

  describe('apply: which addresses changed', () => {
    it('names the failing address, after any address it forgot on the way', () => {
      const e = timed(eventFactory());
      const bans = new AddressBans();
      expect(bans.apply(e.failed(T0))).toEqual([ADDRESS]);
      expect(bans.apply(e.failed(T0 + 1, '198.51.100.7:1'))).toEqual(['198.51.100.7']);
      expect(bans.apply(e.failed(T0 + DAY + 2, '192.0.2.1:1'))).toEqual([
        ADDRESS,
        '198.51.100.7',
        '192.0.2.1',
      ]);
    });

    it('names the banned and the unbanned address, known or not', () => {
      const e = timed(eventFactory());
      const bans = new AddressBans();
      expect(bans.apply(e.banned(T0, ADDRESS, T0 + HOUR, 1))).toEqual([ADDRESS]);
      expect(bans.apply(e.unbanned(T0 + HOUR, ADDRESS))).toEqual([ADDRESS]);
      expect(bans.apply(e.unbanned(T0 + HOUR, '192.0.2.1'))).toEqual(['192.0.2.1']);
    });
  });

  describe('stateOf / fromTuples', () => {
    const KNOWN = ['198.51.100.7', ADDRESS, '192.0.2.1', '[::1]'];

    function sample(): AddressBans {
      const e = timed(eventFactory());
      return fold([
        e.failed(T0, '198.51.100.7:1'),
        e.failed(T0 + 1, '198.51.100.7:2'),
        e.failed(T0 + 2),
        e.banned(T0 + 3, ADDRESS, T0 + HOUR, 2),
        e.banned(T0 + 4, '192.0.2.1', T0 + 2 * HOUR, 1),
        e.unbanned(T0 + 5, '192.0.2.1'),
        e.failed(T0 + 6, '[::1]:9'),
      ]);
    }

    /** What an adapter stores: each known address's state, least recently active first. */
    function stored(bans: AddressBans, order = KNOWN): AddressTuple[] {
      return order
        .map((address) => bans.stateOf(address))
        .filter((state): state is AddressTuple => state !== undefined);
    }

    function answers(bans: AddressBans) {
      const now = new Date(T0 + 30 * MINUTE);
      return ['198.51.100.7', ADDRESS, '192.0.2.1', '[::1]', '::1', 'never'].map((address) => ({
        address,
        failures: bans.failuresWithin(address, DAY, now),
        bannedUntil: bans.bannedUntil(address),
        next: bans.nextBanNumber(address, now),
        nextLater: bans.nextBanNumber(address, new Date(T0 + 3 * DAY)),
        expired: bans.expired(new Date(T0 + 3 * DAY)),
      }));
    }

    it('round-trips every record: same states, same answers', () => {
      const bans = sample();
      const copy = AddressBans.fromTuples(stored(bans));
      expect(stored(copy)).toEqual(stored(bans));
      expect(answers(copy)).toEqual(answers(bans));
    });

    it('survives JSON, as the SQLite rows keep the failure times', () => {
      const bans = sample();
      const tuples = JSON.parse(JSON.stringify(stored(bans))) as AddressTuple[];
      expect(answers(AddressBans.fromTuples(tuples))).toEqual(answers(bans));
    });

    it('encodes an absent ban and ban end as -1', () => {
      const e = timed(eventFactory());
      expect(fold([e.failed(T0)]).stateOf(ADDRESS)).toEqual([ADDRESS, [T0], -1, 0, -1]);
      expect(
        fold([e.banned(T0, ADDRESS, T0 + HOUR, 3), e.unbanned(T0 + HOUR, ADDRESS)]).stateOf(ADDRESS),
      ).toEqual([ADDRESS, [], -1, 3, T0 + HOUR]);
    });

    it('keeps folding after a restore', () => {
      const e = timed(eventFactory());
      const restored = AddressBans.fromTuples(stored(fold([e.failed(T0)])));
      restored.apply(e.failed(T0 + 1));
      expect(restored.failuresWithin(ADDRESS, WINDOW, new Date(T0 + 2))).toBe(2);
    });

    it('rebuilt in order of last activity, forgets idle addresses exactly as the original does', () => {
      const e = timed(eventFactory());
      const original = fold([
        e.failed(T0, '198.51.100.7:1'),
        e.failed(T0 + HOUR),
        e.banned(T0 + 2 * HOUR, '192.0.2.1', T0 + 3 * HOUR, 1),
        e.failed(T0 + 4 * HOUR, '198.51.100.7:1'),
      ]);
      const copy = AddressBans.fromTuples(stored(original, [ADDRESS, '192.0.2.1', '198.51.100.7']));
      const later = e.failed(T0 + DAY + 3 * HOUR + 1, '[::1]:9');
      const forgotten = copy.apply(later);
      expect(forgotten).toEqual([ADDRESS, '192.0.2.1', '[::1]']);
      expect(forgotten).toEqual(original.apply(later));
      expect(answers(copy)).toEqual(answers(original));
    });

    it('gives a copy: later failures do not change a state taken before', () => {
      const e = timed(eventFactory());
      const bans = fold([e.failed(T0)]);
      const state = bans.stateOf(ADDRESS);
      const before = JSON.stringify(state);
      bans.apply(e.failed(T0 + 1));
      expect(JSON.stringify(state)).toBe(before);
    });

    it('does not share state with the tuples it was built from', () => {
      const e = timed(eventFactory());
      const tuples = stored(fold([e.failed(T0)]));
      const restored = AddressBans.fromTuples(tuples);
      restored.apply(e.failed(T0 + 1));
      expect(tuples[0][1]).toEqual([T0]);
    });
  });
});

describe('banLength', () => {
  const policy: BanPolicy = { ...DEFAULT_BAN_POLICY, banMs: 15 * MINUTE };

  it('is the base length for the first ban', () => {
    expect(banLength(policy, 1)).toBe(15 * MINUTE);
  });

  it('doubles with each ban in a row', () => {
    expect([2, 3, 4, 5].map((ban) => banLength(policy, ban))).toEqual(
      [30, 60, 120, 240].map((m) => m * MINUTE),
    );
  });

  it('never lasts longer than a day', () => {
    expect(MAX_BAN_MS).toBe(DAY);
    expect(banLength(policy, 7)).toBe(16 * HOUR);
    expect(banLength(policy, 8)).toBe(DAY);
    expect(banLength(policy, 100)).toBe(DAY);
    expect(banLength(policy, 10_000)).toBe(DAY);
  });

  it('caps a base longer than a day', () => {
    expect(banLength({ ...policy, banMs: 2 * DAY }, 1)).toBe(DAY);
  });

  it('treats a ban number below 1 as the first', () => {
    expect(banLength(policy, 0)).toBe(15 * MINUTE);
  });
});

describe('addressOf', () => {
  it.each([
    ['203.0.113.9:51234', '203.0.113.9'],
    ['127.0.0.1:5000', '127.0.0.1'],
    ['::1:51234', '::1'],
    ['2001:db8::42:443', '2001:db8::42'],
    ['fe80::1%eth0:22', 'fe80::1%eth0'],
    ['::ffff:203.0.113.9:51234', '203.0.113.9'],
    ['::ffff:127.0.0.1:1', '127.0.0.1'],
    ['local', 'local'],
  ])('%p is %p', (remote, address) => {
    expect(addressOf(remote)).toBe(address);
  });

  it('does not unwrap ::ffff: when no IPv4 address follows', () => {
    expect(addressOf('::ffff:1:80')).toBe('::ffff:1');
  });

  it('gives the same address to one IPv4 client over an IPv4 and an IPv6 socket', () => {
    expect(addressOf('::ffff:198.51.100.7:1111')).toBe(addressOf('198.51.100.7:2222'));
  });
});
