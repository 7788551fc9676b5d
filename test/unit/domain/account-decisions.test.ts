import { AccountChange, AccountEvent, decideAccountChange } from '../../../src/domain/account-decisions';
import { Accounts } from '../../../src/domain/accounts';
import { FerryEvent } from '../../../src/domain/events';
import { eventFactory, foldInto } from '../../support/domain-events';
import { codeOf, valueOf } from '../../support/results';

const fold = (events: readonly FerryEvent[]): Accounts => foldInto(new Accounts(), events);

/** alice: write, home alice/, quota 100 bytes / 3 files; bob: read, no quota. */
function existing(): Accounts {
  const f = eventFactory();
  return fold([
    f.make('UserAdded', { user: 'alice', role: 'write', prefix: 'alice/', passwordSet: true }),
    f.make('UserQuotaChanged', { user: 'alice', bytes: 100, files: 3 }),
    f.make('UserAdded', { user: 'bob', role: 'read', passwordSet: false }),
  ]);
}

function decide(change: AccountChange, passwordSet = false): AccountEvent {
  return valueOf(decideAccountChange(change, existing(), passwordSet));
}

describe('decideAccountChange', () => {
  describe('add', () => {
    it('becomes UserAdded with the role, the home and whether a password came with it', () => {
      expect(decide({ action: 'add', user: 'carol', role: 'admin', prefix: 'carol/' }, true)).toEqual({
        type: 'UserAdded',
        payload: { user: 'carol', role: 'admin', prefix: 'carol/', passwordSet: true },
      });
    });

    it('leaves the prefix out of the payload when none is given', () => {
      const event = decide({ action: 'add', user: 'carol', role: 'read' }, false);
      expect(event).toEqual({
        type: 'UserAdded',
        payload: { user: 'carol', role: 'read', passwordSet: false },
      });
      expect(event.payload).not.toHaveProperty('prefix');
    });

    it('works on an empty set of accounts', () => {
      const result = decideAccountChange(
        { action: 'add', user: 'first', role: 'admin' },
        new Accounts(),
        true,
      );
      expect(valueOf(result).type).toBe('UserAdded');
    });

    it.each(['alice', 'bob'])('refuses to add %p, who exists already, with CONFLICT', (user) => {
      expect(codeOf(decideAccountChange({ action: 'add', user, role: 'admin' }, existing(), true))).toBe(
        'CONFLICT',
      );
    });

    it('refuses to add a disabled account again', () => {
      const f = eventFactory();
      const accounts = fold([
        f.make('UserAdded', { user: 'dave', role: 'read', passwordSet: false }),
        f.make('UserDisabled', { user: 'dave' }),
      ]);
      expect(
        codeOf(decideAccountChange({ action: 'add', user: 'dave', role: 'read' }, accounts, false)),
      ).toBe('CONFLICT');
    });
  });

  describe('changes to an account that does not exist', () => {
    const changes: AccountChange[] = [
      { action: 'passwd', user: 'ghost' },
      { action: 'role', user: 'ghost', role: 'admin' },
      { action: 'prefix', user: 'ghost', prefix: 'ghost/' },
      { action: 'prefix', user: 'ghost', prefix: null },
      { action: 'disable', user: 'ghost' },
      { action: 'enable', user: 'ghost' },
      { action: 'quota', user: 'ghost', bytes: 1, files: 1 },
      { action: 'quota', user: 'ghost' },
    ];
    it.each(changes.map((change) => [change.action, change]))('%s is NOT_FOUND', (_action, change) => {
      expect(codeOf(decideAccountChange(change, existing(), true))).toBe('NOT_FOUND');
    });
  });

  it('passwd becomes UserPasswordChanged', () => {
    expect(decide({ action: 'passwd', user: 'alice' }, true)).toEqual({
      type: 'UserPasswordChanged',
      payload: { user: 'alice' },
    });
  });

  it('role becomes UserRoleChanged with the new role', () => {
    expect(decide({ action: 'role', user: 'bob', role: 'write' })).toEqual({
      type: 'UserRoleChanged',
      payload: { user: 'bob', role: 'write' },
    });
  });

  it('prefix becomes UserPrefixChanged, with a new home or null to clear it', () => {
    expect(decide({ action: 'prefix', user: 'bob', prefix: 'bob/' })).toEqual({
      type: 'UserPrefixChanged',
      payload: { user: 'bob', prefix: 'bob/' },
    });
    expect(decide({ action: 'prefix', user: 'alice', prefix: null })).toEqual({
      type: 'UserPrefixChanged',
      payload: { user: 'alice', prefix: null },
    });
  });

  it('disable and enable become UserDisabled and UserEnabled', () => {
    expect(decide({ action: 'disable', user: 'alice' })).toEqual({
      type: 'UserDisabled',
      payload: { user: 'alice' },
    });
    expect(decide({ action: 'enable', user: 'alice' })).toEqual({
      type: 'UserEnabled',
      payload: { user: 'alice' },
    });
  });

  describe('quota', () => {
    it('sets both limits when both are given', () => {
      expect(decide({ action: 'quota', user: 'alice', bytes: 500, files: 9 })).toEqual({
        type: 'UserQuotaChanged',
        payload: { user: 'alice', bytes: 500, files: 9 },
      });
    });

    it('keeps the current bytes limit when bytes is undefined', () => {
      expect(decide({ action: 'quota', user: 'alice', files: 9 }).payload).toEqual({
        user: 'alice',
        bytes: 100,
        files: 9,
      });
    });

    it('keeps the current files limit when files is undefined', () => {
      expect(decide({ action: 'quota', user: 'alice', bytes: 500 }).payload).toEqual({
        user: 'alice',
        bytes: 500,
        files: 3,
      });
    });

    it('keeps both when neither is given', () => {
      expect(decide({ action: 'quota', user: 'alice' }).payload).toEqual({
        user: 'alice',
        bytes: 100,
        files: 3,
      });
    });

    it('null clears a limit', () => {
      expect(decide({ action: 'quota', user: 'alice', bytes: null }).payload).toEqual({
        user: 'alice',
        bytes: null,
        files: 3,
      });
      expect(decide({ action: 'quota', user: 'alice', bytes: null, files: null }).payload).toEqual({
        user: 'alice',
        bytes: null,
        files: null,
      });
    });

    it('keeping an absent limit gives null, never undefined', () => {
      expect(decide({ action: 'quota', user: 'bob', files: 2 }).payload).toEqual({
        user: 'bob',
        bytes: null,
        files: 2,
      });
      expect(decide({ action: 'quota', user: 'bob', bytes: 5 }).payload).toEqual({
        user: 'bob',
        bytes: 5,
        files: null,
      });
      expect(decide({ action: 'quota', user: 'bob' }).payload).toEqual({
        user: 'bob',
        bytes: null,
        files: null,
      });
    });

    it('0 is a limit, kept as 0', () => {
      expect(decide({ action: 'quota', user: 'bob', bytes: 0, files: 0 }).payload).toEqual({
        user: 'bob',
        bytes: 0,
        files: 0,
      });
    });

    it('folds back into the quota it describes', () => {
      const accounts = existing();
      const event = valueOf(
        decideAccountChange({ action: 'quota', user: 'alice', files: null }, accounts, false),
      );
      const f = eventFactory(100);
      accounts.apply(f.make(event.type, event.payload));
      expect(accounts.get('alice')?.quota).toEqual({ bytes: 100 });
    });
  });

  it('decides without changing the accounts', () => {
    const accounts = existing();
    const before = structuredClone(accounts.list());
    decideAccountChange({ action: 'disable', user: 'alice' }, accounts, false);
    decideAccountChange({ action: 'quota', user: 'alice', bytes: null, files: null }, accounts, false);
    expect(accounts.list()).toEqual(before);
  });
});
