import { Account, Accounts } from '../../../src/domain/accounts';
import { FerryEvent } from '../../../src/domain/events';
import { eventFactory, EventFactory, foldInto } from '../../support/domain-events';

const fold = (events: readonly FerryEvent[]) => foldInto(new Accounts(), events);

function added(f: EventFactory, user: string, options: { prefix?: string; passwordSet?: boolean } = {}) {
  const prefix = options.prefix === undefined ? {} : { prefix: options.prefix };
  return f.make('UserAdded', { user, role: 'write', ...prefix, passwordSet: options.passwordSet ?? true });
}

function account(accounts: Accounts, name: string): Account {
  const found = accounts.get(name);
  if (!found) throw new Error(`expected an account ${name}`);
  return found;
}

describe('Accounts', () => {
  it('starts empty', () => {
    const accounts = new Accounts();
    expect(accounts.count).toBe(0);
    expect(accounts.list()).toEqual([]);
    expect(accounts.get('alice')).toBeUndefined();
    expect(Accounts.of([]).list()).toEqual([]);
  });

  describe('UserAdded', () => {
    it('creates an enabled account with its role, home, no quota, the event time and the password event', () => {
      const f = eventFactory();
      const event = f.make('UserAdded', { user: 'alice', role: 'read', prefix: 'alice/', passwordSet: true });
      const accounts = fold([event]);
      expect(accounts.count).toBe(1);
      expect(accounts.get('alice')).toEqual({
        name: 'alice',
        role: 'read',
        prefix: 'alice/',
        disabled: false,
        passwordEvent: event.id,
        quota: {},
        createdAt: event.at,
      });
    });

    it('has no home and no password event when none was given', () => {
      const f = eventFactory();
      const alice = account(fold([added(f, 'alice', { passwordSet: false })]), 'alice');
      expect(alice).not.toHaveProperty('prefix');
      expect(alice).not.toHaveProperty('passwordEvent');
    });
  });

  it('UserRoleChanged changes only the role', () => {
    const f = eventFactory();
    const add = added(f, 'alice', { prefix: 'alice/' });
    const before = account(fold([add]), 'alice');
    const after = account(fold([add, f.make('UserRoleChanged', { user: 'alice', role: 'admin' })]), 'alice');
    expect(after).toEqual({ ...before, role: 'admin' });
  });

  describe('UserPrefixChanged', () => {
    it('sets a home on an account without one', () => {
      const f = eventFactory();
      const accounts = fold([
        added(f, 'alice'),
        f.make('UserPrefixChanged', { user: 'alice', prefix: 'alice/' }),
      ]);
      expect(account(accounts, 'alice').prefix).toBe('alice/');
    });

    it('moves a home', () => {
      const f = eventFactory();
      const accounts = fold([
        added(f, 'alice', { prefix: 'alice/' }),
        f.make('UserPrefixChanged', { user: 'alice', prefix: 'team/' }),
      ]);
      expect(account(accounts, 'alice').prefix).toBe('team/');
    });

    it('null clears the home, keeping everything else', () => {
      const f = eventFactory();
      const add = added(f, 'alice', { prefix: 'alice/' });
      const before = account(fold([add]), 'alice');
      const after = account(
        fold([add, f.make('UserPrefixChanged', { user: 'alice', prefix: null })]),
        'alice',
      );
      expect(before.prefix).toBe('alice/');
      expect(after.prefix).toBeUndefined();
      expect(after).toEqual({ ...before, prefix: undefined });
    });
  });

  describe('UserPasswordChanged', () => {
    it('makes that event the password event', () => {
      const f = eventFactory();
      const add = added(f, 'alice');
      const change = f.make('UserPasswordChanged', { user: 'alice' });
      expect(account(fold([add]), 'alice').passwordEvent).toBe(add.id);
      expect(account(fold([add, change]), 'alice').passwordEvent).toBe(change.id);
    });

    it('gives a password event to an account added without a password', () => {
      const f = eventFactory();
      const add = added(f, 'alice', { passwordSet: false });
      const change = f.make('UserPasswordChanged', { user: 'alice' });
      expect(account(fold([add, change]), 'alice').passwordEvent).toBe(change.id);
    });

    it('follows the latest change', () => {
      const f = eventFactory();
      const add = added(f, 'alice');
      const one = f.make('UserPasswordChanged', { user: 'alice' });
      const two = f.make('UserPasswordChanged', { user: 'alice' });
      expect(account(fold([add, one]), 'alice').passwordEvent).toBe(one.id);
      expect(account(fold([add, one, two]), 'alice').passwordEvent).toBe(two.id);
    });
  });

  it('UserDisabled disables and UserEnabled enables again', () => {
    const f = eventFactory();
    const add = added(f, 'alice');
    const disable = f.make('UserDisabled', { user: 'alice' });
    const enable = f.make('UserEnabled', { user: 'alice' });
    expect(account(fold([add, disable]), 'alice').disabled).toBe(true);
    expect(account(fold([add, disable, enable]), 'alice').disabled).toBe(false);
    expect(account(fold([add, disable, enable]), 'alice')).toEqual(account(fold([add]), 'alice'));
  });

  describe('UserQuotaChanged', () => {
    it('sets both limits', () => {
      const f = eventFactory();
      const accounts = fold([
        added(f, 'alice'),
        f.make('UserQuotaChanged', { user: 'alice', bytes: 100, files: 3 }),
      ]);
      expect(account(accounts, 'alice').quota).toEqual({ bytes: 100, files: 3 });
    });

    it('null means no limit: the field is absent, not null', () => {
      const f = eventFactory();
      const accounts = fold([
        added(f, 'alice'),
        f.make('UserQuotaChanged', { user: 'alice', bytes: 100, files: 3 }),
        f.make('UserQuotaChanged', { user: 'alice', bytes: null, files: 5 }),
      ]);
      expect(account(accounts, 'alice').quota).toEqual({ files: 5 });
      expect(account(accounts, 'alice').quota).not.toHaveProperty('bytes');
    });

    it('replaces the whole quota each time', () => {
      const f = eventFactory();
      const accounts = fold([
        added(f, 'alice'),
        f.make('UserQuotaChanged', { user: 'alice', bytes: 100, files: null }),
        f.make('UserQuotaChanged', { user: 'alice', bytes: null, files: null }),
      ]);
      expect(account(accounts, 'alice').quota).toEqual({});
    });

    it('a limit of 0 is a limit, not "none"', () => {
      const f = eventFactory();
      const accounts = fold([
        added(f, 'alice'),
        f.make('UserQuotaChanged', { user: 'alice', bytes: 0, files: 0 }),
      ]);
      expect(account(accounts, 'alice').quota).toEqual({ bytes: 0, files: 0 });
    });
  });

  it('ignores changes to accounts that do not exist', () => {
    const f = eventFactory();
    const events = [
      added(f, 'alice'),
      f.make('UserRoleChanged', { user: 'ghost', role: 'admin' }),
      f.make('UserPrefixChanged', { user: 'ghost', prefix: 'ghost/' }),
      f.make('UserPrefixChanged', { user: 'ghost', prefix: null }),
      f.make('UserPasswordChanged', { user: 'ghost' }),
      f.make('UserDisabled', { user: 'ghost' }),
      f.make('UserEnabled', { user: 'ghost' }),
      f.make('UserQuotaChanged', { user: 'ghost', bytes: 1, files: 1 }),
    ];
    const accounts = fold(events);
    expect(accounts.count).toBe(1);
    expect(accounts.get('ghost')).toBeUndefined();
    expect(accounts.list().map((a) => a.name)).toEqual(['alice']);
  });

  it('ignores events that are not about accounts', () => {
    const f = eventFactory();
    const accounts = fold([
      f.uploaded('alice', 1),
      f.make('LoginSucceeded', { user: 'alice', role: 'admin' }),
      f.make('LoginFailed', { user: 'alice', reason: 'unknown-user' }),
      f.make('UsersListed', { count: 0 }),
    ]);
    expect(accounts.count).toBe(0);
  });

  it('does not let a change to one account touch another', () => {
    const f = eventFactory();
    const add = added(f, 'bob', { prefix: 'bob/' });
    const bob = account(fold([add]), 'bob');
    const accounts = fold([
      add,
      added(f, 'alice'),
      f.make('UserDisabled', { user: 'alice' }),
      f.make('UserRoleChanged', { user: 'alice', role: 'admin' }),
      f.make('UserPrefixChanged', { user: 'alice', prefix: null }),
      f.make('UserQuotaChanged', { user: 'alice', bytes: 1, files: 1 }),
    ]);
    expect(account(accounts, 'bob')).toEqual(bob);
  });

  it('lists every account sorted by name (code-unit order), whatever the order they were added', () => {
    const f = eventFactory();
    const accounts = fold(['mallory', 'alice', 'bob', 'al', 'a.b', '9lives'].map((user) => added(f, user)));
    expect(accounts.list().map((a) => a.name)).toEqual(['9lives', 'a.b', 'al', 'alice', 'bob', 'mallory']);
    expect(accounts.count).toBe(6);
  });

  describe('apply: which account changed', () => {
    it('names the account each account event is about, so an adapter saves just that one', () => {
      const f = eventFactory();
      const events = [
        added(f, 'alice'),
        f.make('UserRoleChanged', { user: 'alice', role: 'admin' }),
        f.make('UserPrefixChanged', { user: 'alice', prefix: null }),
        f.make('UserPasswordChanged', { user: 'alice' }),
        f.make('UserDisabled', { user: 'alice' }),
        f.make('UserEnabled', { user: 'alice' }),
        f.make('UserQuotaChanged', { user: 'alice', bytes: 1, files: null }),
        added(f, 'bob'),
      ];
      const accounts = new Accounts();
      expect(events.map((event) => accounts.apply(event))).toEqual([...Array(7).fill('alice'), 'bob']);
    });

    it('names an account that does not exist without creating it', () => {
      const f = eventFactory();
      const accounts = new Accounts();
      expect(accounts.apply(f.make('UserDisabled', { user: 'ghost' }))).toBe('ghost');
      expect(accounts.get('ghost')).toBeUndefined();
      expect(accounts.count).toBe(0);
    });

    it('names nothing for events about anything else', () => {
      const f = eventFactory();
      const accounts = new Accounts();
      expect(accounts.apply(f.uploaded('alice', 1))).toBeUndefined();
      expect(accounts.apply(f.make('LoginSucceeded', { user: 'alice', role: 'admin' }))).toBeUndefined();
      expect(
        accounts.apply(f.make('LoginFailed', { user: 'alice', reason: 'bad-password' })),
      ).toBeUndefined();
    });
  });

  describe('Accounts.of', () => {
    function sample(): Accounts {
      const f = eventFactory();
      return fold([
        added(f, 'plain', { passwordSet: false }),
        f.make('UserAdded', { user: 'full', role: 'admin', prefix: 'full/', passwordSet: true }),
        f.make('UserQuotaChanged', { user: 'full', bytes: 1000, files: 7 }),
        f.make('UserDisabled', { user: 'full' }),
        f.make('UserPasswordChanged', { user: 'full' }),
        added(f, 'zero', { prefix: 'z/' }),
        f.make('UserQuotaChanged', { user: 'zero', bytes: 0, files: null }),
        f.make('UserPrefixChanged', { user: 'zero', prefix: null }),
      ]);
    }

    it('holds exactly the accounts it is given, absent fields staying absent', () => {
      const accounts = sample();
      const copy = Accounts.of(accounts.list());
      expect(copy.list()).toEqual(accounts.list());
      expect(copy.count).toBe(3);
      expect(copy.get('full')).toEqual(accounts.get('full'));
      expect(copy.get('plain')).not.toHaveProperty('prefix');
      expect(copy.get('plain')).not.toHaveProperty('passwordEvent');
      expect(copy.get('zero')?.quota).toEqual({ bytes: 0 });
    });

    it('takes them in any order, and lists them sorted', () => {
      const accounts = sample();
      const copy = Accounts.of([...accounts.list()].reverse());
      expect(copy.list().map((a) => a.name)).toEqual(['full', 'plain', 'zero']);
    });

    it('keeps folding as the original would', () => {
      const f = eventFactory(100);
      const original = sample();
      const copy = Accounts.of(original.list());
      const change = f.make('UserPasswordChanged', { user: 'plain' });
      const more = [
        change,
        f.make('UserRoleChanged', { user: 'plain', role: 'read' }),
        f.make('UserEnabled', { user: 'full' }),
        added(f, 'new'),
      ];
      for (const event of more) {
        original.apply(event);
        copy.apply(event);
      }
      expect(copy.list()).toEqual(original.list());
      expect(copy.get('plain')).toMatchObject({ passwordEvent: change.id, role: 'read' });
    });

    it('does not follow later changes of the accounts it was built from', () => {
      const f = eventFactory(100);
      const original = sample();
      const copy = Accounts.of(original.list());
      original.apply(f.make('UserDisabled', { user: 'plain' }));
      original.apply(added(f, 'later'));
      expect(copy.get('plain')?.disabled).toBe(false);
      expect(copy.count).toBe(3);
    });
  });
});
