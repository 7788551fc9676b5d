import { AccountsReader } from './accounts';
import { fail, ok, Result } from './errors';
import { EventPayloads, Role } from './events';
import { PublicKey } from './ports/public-keys.port';

/** Account changes as the admin states them; names, roles and prefixes are parsed already. */
export type AccountChange =
  | { readonly action: 'add'; readonly user: string; readonly role: Role; readonly prefix?: string }
  | { readonly action: 'passwd'; readonly user: string }
  | { readonly action: 'role'; readonly user: string; readonly role: Role }
  | { readonly action: 'prefix'; readonly user: string; readonly prefix: string | null }
  | { readonly action: 'disable'; readonly user: string }
  | { readonly action: 'enable'; readonly user: string }
  | {
      readonly action: 'quota';
      readonly user: string;
      /** null: no limit; undefined: as it is. */
      readonly bytes?: number | null;
      readonly files?: number | null;
    }
  /** A public key parsed already (PublicKeys port). */
  | { readonly action: 'key-add'; readonly user: string; readonly key: PublicKey }
  | { readonly action: 'key-remove'; readonly user: string; readonly fingerprint: string };

/** The command word of a change, as the log records it: `USER ADD`, `USER KEY ADD`... */
export function accountCommand(change: AccountChange): string {
  return `USER ${change.action.replace('-', ' ').toUpperCase()}`;
}

/** The one event an account change becomes. */
export type AccountEvent =
  | { readonly type: 'UserAdded'; readonly payload: EventPayloads['UserAdded'] }
  | { readonly type: 'UserPasswordChanged'; readonly payload: EventPayloads['UserPasswordChanged'] }
  | { readonly type: 'UserRoleChanged'; readonly payload: EventPayloads['UserRoleChanged'] }
  | { readonly type: 'UserPrefixChanged'; readonly payload: EventPayloads['UserPrefixChanged'] }
  | { readonly type: 'UserDisabled'; readonly payload: EventPayloads['UserDisabled'] }
  | { readonly type: 'UserEnabled'; readonly payload: EventPayloads['UserEnabled'] }
  | { readonly type: 'UserQuotaChanged'; readonly payload: EventPayloads['UserQuotaChanged'] }
  | { readonly type: 'UserKeyAdded'; readonly payload: EventPayloads['UserKeyAdded'] }
  | { readonly type: 'UserKeyRemoved'; readonly payload: EventPayloads['UserKeyRemoved'] };

/** `passwordSet` says whether the change comes with a new password (add may, passwd must). */
export function decideAccountChange(
  change: AccountChange,
  accounts: AccountsReader,
  passwordSet: boolean,
): Result<AccountEvent> {
  const { user } = change;
  if (change.action === 'add') {
    if (accounts.get(user)) return fail('CONFLICT', `the account ${user} exists already`);
    const prefix = change.prefix === undefined ? {} : { prefix: change.prefix };
    return ok({ type: 'UserAdded', payload: { user, role: change.role, ...prefix, passwordSet } });
  }
  const account = accounts.get(user);
  if (!account) return fail('NOT_FOUND', `no account ${user}`);
  switch (change.action) {
    case 'passwd':
      return ok({ type: 'UserPasswordChanged', payload: { user } });
    case 'role':
      return ok({ type: 'UserRoleChanged', payload: { user, role: change.role } });
    case 'prefix':
      return ok({ type: 'UserPrefixChanged', payload: { user, prefix: change.prefix } });
    case 'disable':
      return ok({ type: 'UserDisabled', payload: { user } });
    case 'enable':
      return ok({ type: 'UserEnabled', payload: { user } });
    case 'quota': {
      const bytes = change.bytes === undefined ? (account.quota.bytes ?? null) : change.bytes;
      const files = change.files === undefined ? (account.quota.files ?? null) : change.files;
      return ok({ type: 'UserQuotaChanged', payload: { user, bytes, files } });
    }
    case 'key-add': {
      const { fingerprint, line } = change.key;
      if (account.keys?.some((k) => k.fingerprint === fingerprint)) {
        return fail('CONFLICT', `${user} has the key ${fingerprint} already`);
      }
      return ok({ type: 'UserKeyAdded', payload: { user, fingerprint, key: line } });
    }
    case 'key-remove': {
      const { fingerprint } = change;
      if (!account.keys?.some((k) => k.fingerprint === fingerprint)) {
        return fail('NOT_FOUND', `${user} has no key ${fingerprint}`);
      }
      return ok({ type: 'UserKeyRemoved', payload: { user, fingerprint } });
    }
  }
}
