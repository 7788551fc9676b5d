import { Account, AccountsReader, ANONYMOUS } from './accounts';
import { fail, ok, Result } from './errors';
import { Role } from './events';

/** What a caller may do: a role, and the home prefix it is confined to (none: everything). */
export interface Rights {
  readonly role: Role;
  readonly prefix?: string;
}

/**
 * Commands run by the CLI directly against a data folder act as `local:<os user>`: whoever can write the
 * data folder owns it already, so they have every right. No account name can contain ':'.
 */
export const LOCAL_ACTOR_PREFIX = 'local:';

export function localActor(osUser: string): string {
  return `${LOCAL_ACTOR_PREFIX}${osUser}`;
}

const RANK: Readonly<Record<Role, number>> = { read: 1, write: 2, admin: 3 };

/** A session that has not logged in acts as `anonymous`; that is allowed only while no account exists. */
export interface AnonymousPolicy {
  /** The server's own setting: true on loopback, or when the operator allowed anonymous access. */
  readonly allowed: boolean;
}

/** Who the actor of a command is, and what it may do, as of the accounts now. */
export function resolveRights(
  actor: string,
  accounts: AccountsReader,
  anonymous: AnonymousPolicy,
): Result<Rights> {
  if (actor.startsWith(LOCAL_ACTOR_PREFIX)) return ok({ role: 'admin' });
  if (actor === ANONYMOUS) {
    if (anonymous.allowed && accounts.count === 0) return ok({ role: 'write' });
    return fail('UNAUTHENTICATED', 'log in first (LOGIN <user> <password>)');
  }
  const account = accounts.get(actor);
  if (!account) return fail('UNAUTHENTICATED', 'the account no longer exists');
  if (account.disabled) return fail('UNAUTHENTICATED', 'the account is disabled');
  return ok(rightsOf(account));
}

export function rightsOf(account: Account): Rights {
  return { role: account.role, ...(account.prefix === undefined ? {} : { prefix: account.prefix }) };
}

/** Refuses a command the role does not allow, or one on a name outside the caller's home. */
export function permit(rights: Rights, needed: Role, command: string, name?: string): Result<void> {
  if (RANK[rights.role] < RANK[needed]) {
    return fail('FORBIDDEN', `the ${rights.role} role may not ${command}`);
  }
  if (name !== undefined && !isInside(rights, name)) {
    return fail('FORBIDDEN', `${name} is outside your home ${rights.prefix}`);
  }
  return ok(undefined);
}

export function isInside(rights: Rights, name: string): boolean {
  return rights.prefix === undefined || name.startsWith(rights.prefix);
}

/**
 * The prefix a LIST really walks: the asked prefix narrowed to the caller's home. Asking for a prefix that
 * lies wholly outside the home is refused rather than answered with an empty list.
 */
export function confinePrefix(rights: Rights, asked: string): Result<string> {
  const home = rights.prefix;
  if (home === undefined || asked.startsWith(home)) return ok(asked);
  if (home.startsWith(asked)) return ok(home);
  return fail('FORBIDDEN', `${asked} is outside your home ${home}`);
}
