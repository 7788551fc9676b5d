import { Accounts } from '../../../src/domain/accounts';
import { accountCommand, decideAccountChange } from '../../../src/domain/account-decisions';
import { PublicKey } from '../../../src/domain/ports/public-keys.port';
import { eventFactory } from '../../support/domain-events';
import { codeOf, valueOf } from '../../support/results';

const KEY_A: PublicKey = { type: 'ssh-ed25519', fingerprint: 'SHA256:aaa', line: 'ssh-ed25519 AAAA a' };
const KEY_B: PublicKey = { type: 'ssh-rsa', fingerprint: 'SHA256:bbb', line: 'ssh-rsa BBBB b' };

function accountsWithAlice(): Accounts {
  const f = eventFactory();
  const accounts = new Accounts();
  accounts.apply(f.make('UserAdded', { user: 'alice', role: 'write', passwordSet: false }));
  return accounts;
}

describe('account public keys', () => {
  it('adds a key as UserKeyAdded with its fingerprint and one-line form', () => {
    const decided = decideAccountChange(
      { action: 'key-add', user: 'alice', key: KEY_A },
      accountsWithAlice(),
      false,
    );
    expect(valueOf(decided)).toEqual({
      type: 'UserKeyAdded',
      payload: { user: 'alice', fingerprint: 'SHA256:aaa', key: 'ssh-ed25519 AAAA a' },
    });
  });

  it('refuses a key the account holds already with CONFLICT, and an unknown account with NOT_FOUND', () => {
    const f = eventFactory(10);
    const accounts = accountsWithAlice();
    accounts.apply(f.make('UserKeyAdded', { user: 'alice', fingerprint: 'SHA256:aaa', key: KEY_A.line }));
    const again = decideAccountChange({ action: 'key-add', user: 'alice', key: KEY_A }, accounts, false);
    expect(codeOf(again)).toBe('CONFLICT');
    const nobody = decideAccountChange({ action: 'key-add', user: 'bob', key: KEY_A }, accounts, false);
    expect(codeOf(nobody)).toBe('NOT_FOUND');
  });

  it('removes a held key, and refuses a key it does not hold with NOT_FOUND', () => {
    const f = eventFactory(10);
    const accounts = accountsWithAlice();
    accounts.apply(f.make('UserKeyAdded', { user: 'alice', fingerprint: 'SHA256:aaa', key: KEY_A.line }));
    const removal = { action: 'key-remove' as const, user: 'alice', fingerprint: 'SHA256:aaa' };
    expect(valueOf(decideAccountChange(removal, accounts, false))).toEqual({
      type: 'UserKeyRemoved',
      payload: { user: 'alice', fingerprint: 'SHA256:aaa' },
    });
    const other = { ...removal, fingerprint: 'SHA256:bbb' };
    expect(codeOf(decideAccountChange(other, accounts, false))).toBe('NOT_FOUND');
  });

  it('folds keys in the order added; removing the last leaves no keys at all', () => {
    const f = eventFactory(10);
    const accounts = accountsWithAlice();
    accounts.apply(f.make('UserKeyAdded', { user: 'alice', fingerprint: 'SHA256:bbb', key: KEY_B.line }));
    accounts.apply(f.make('UserKeyAdded', { user: 'alice', fingerprint: 'SHA256:aaa', key: KEY_A.line }));
    expect(accounts.get('alice')?.keys).toEqual([
      { fingerprint: 'SHA256:bbb', key: KEY_B.line },
      { fingerprint: 'SHA256:aaa', key: KEY_A.line },
    ]);
    accounts.apply(f.make('UserKeyRemoved', { user: 'alice', fingerprint: 'SHA256:bbb' }));
    accounts.apply(f.make('UserRoleChanged', { user: 'alice', role: 'read' }));
    expect(accounts.get('alice')?.keys).toEqual([{ fingerprint: 'SHA256:aaa', key: KEY_A.line }]);
    accounts.apply(f.make('UserKeyRemoved', { user: 'alice', fingerprint: 'SHA256:aaa' }));
    expect(accounts.get('alice')).not.toHaveProperty('keys');
  });

  it('ignores key events of an account that does not exist', () => {
    const f = eventFactory(10);
    const accounts = accountsWithAlice();
    accounts.apply(f.make('UserKeyAdded', { user: 'ghost', fingerprint: 'SHA256:aaa', key: KEY_A.line }));
    expect(accounts.get('ghost')).toBeUndefined();
  });

  it('names the commands as the log records them', () => {
    expect(accountCommand({ action: 'key-add', user: 'alice', key: KEY_A })).toBe('USER KEY ADD');
    expect(accountCommand({ action: 'key-remove', user: 'alice', fingerprint: 'x' })).toBe('USER KEY REMOVE');
    expect(accountCommand({ action: 'quota', user: 'alice' })).toBe('USER QUOTA');
  });
});
