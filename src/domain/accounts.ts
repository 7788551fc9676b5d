import { FerryEvent, Role } from './events';

/** Limits on what one account's live files may take; undefined means no limit. */
export interface Quota {
  readonly bytes?: number;
  readonly files?: number;
}

/** One account as folded from its events. Holds no secret: the password hash lives outside the log. */
export interface Account {
  readonly name: string;
  readonly role: Role;
  /** The account's home: it may only see and touch names that start with this. */
  readonly prefix?: string;
  readonly disabled: boolean;
  /** The id of the event that last set the password: the key of the current credential. */
  readonly passwordEvent?: string;
  readonly quota: Quota;
  readonly createdAt: string;
  /** Public keys it may log in with (SSH), in the order added; absent when it has none. */
  readonly keys?: readonly AccountKey[];
}

export interface AccountKey {
  /** `SHA256:<base64>` of the key blob. */
  readonly fingerprint: string;
  /** The OpenSSH one-line form. */
  readonly key: string;
}

export const ROLES: readonly Role[] = ['read', 'write', 'admin'];

/** The actor of a session that has not logged in, and a name no account may take. */
export const ANONYMOUS = 'anonymous';

/** The accounts as folded so far: few (one per person), so every adapter keeps them at hand. */
export interface AccountsReader {
  readonly count: number;
  get(name: string): Account | undefined;
  /** Every account, sorted by name. */
  list(): Account[];
}

/** The projection of account events: who exists, with which role, home and limits. */
export class Accounts implements AccountsReader {
  private readonly byName = new Map<string, Account>();

  /** Accounts as an earlier fold left them (stored by a catalogue adapter). */
  static of(accounts: Iterable<Account>): Accounts {
    const folded = new Accounts();
    for (const account of accounts) folded.byName.set(account.name, account);
    return folded;
  }

  get count(): number {
    return this.byName.size;
  }

  get(name: string): Account | undefined {
    return this.byName.get(name);
  }

  /** Every account, sorted by name. */
  list(): Account[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Folds one event; events about anything else are ignored. Returns the name of the account it changed. */
  apply(event: FerryEvent): string | undefined {
    switch (event.type) {
      case 'UserAdded': {
        const { user, role, prefix, passwordSet } = event.payload;
        this.byName.set(user, {
          name: user,
          role,
          ...(prefix === undefined ? {} : { prefix }),
          disabled: false,
          ...(passwordSet ? { passwordEvent: event.id } : {}),
          quota: {},
          createdAt: event.at,
        });
        return user;
      }
      case 'UserRoleChanged':
        return this.change(event.payload.user, { role: event.payload.role });
      case 'UserPrefixChanged':
        return this.change(event.payload.user, { prefix: event.payload.prefix ?? undefined });
      case 'UserPasswordChanged':
        return this.change(event.payload.user, { passwordEvent: event.id });
      case 'UserDisabled':
        return this.change(event.payload.user, { disabled: true });
      case 'UserEnabled':
        return this.change(event.payload.user, { disabled: false });
      case 'UserQuotaChanged': {
        const { bytes, files } = event.payload;
        const quota: Quota = { ...(bytes === null ? {} : { bytes }), ...(files === null ? {} : { files }) };
        return this.change(event.payload.user, { quota });
      }
      case 'UserKeyAdded': {
        const { user, fingerprint, key } = event.payload;
        const keys = this.byName.get(user)?.keys ?? [];
        if (keys.some((k) => k.fingerprint === fingerprint)) return user;
        return this.change(user, { keys: [...keys, { fingerprint, key }] });
      }
      case 'UserKeyRemoved': {
        const { user, fingerprint } = event.payload;
        const keys = (this.byName.get(user)?.keys ?? []).filter((k) => k.fingerprint !== fingerprint);
        return this.change(user, { keys });
      }
      default:
        return undefined;
    }
  }

  private change(name: string, change: Partial<Account>): string {
    const account = this.byName.get(name);
    if (account) {
      // No home is no `prefix` key at all, as an account read back from storage has none; no keys likewise.
      const { prefix, keys, ...rest } = { ...account, ...change };
      const withKeys = keys === undefined || keys.length === 0 ? rest : { ...rest, keys };
      this.byName.set(name, prefix === undefined ? withKeys : { ...withKeys, prefix });
    }
    return name;
  }
}
