import { ANONYMOUS, ROLES } from './accounts';
import { fail, ok, Result } from './errors';
import { Role } from './events';
import { parseFileName } from './names';

export type UserName = string & { readonly __brand: 'UserName' };

const USER_NAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

/** Lower-case ASCII only, so two account names can never look alike; ':' is kept for `local:` actors. */
export function parseUserName(raw: string): Result<UserName> {
  if (!USER_NAME.test(raw)) {
    return fail(
      'BAD_REQUEST',
      'a user name is 1 to 64 of a-z, 0-9, ".", "_", "@", "-", starting with a letter or digit',
    );
  }
  if (raw === ANONYMOUS) return fail('BAD_REQUEST', `"${ANONYMOUS}" is reserved`);
  return ok(raw as UserName);
}

export function parseRole(raw: string): Result<Role> {
  const role = ROLES.find((known) => known === raw);
  return role ? ok(role) : fail('BAD_REQUEST', 'a role is read, write or admin');
}

/** A home prefix is a folder: a valid name followed by "/". */
export function parseHomePrefix(raw: string): Result<string> {
  if (!raw.endsWith('/')) return fail('BAD_REQUEST', 'a home prefix ends with "/", e.g. alice/');
  const folder = parseFileName(raw.slice(0, -1));
  return folder.ok ? ok(`${folder.value}/`) : folder;
}

/** Passwords are bounded so hashing cannot be made arbitrarily slow; the text itself is never echoed. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_BYTES = 1024;

export function checkPasswordStrength(password: string): Result<string> {
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return fail('BAD_REQUEST', `a password has at least ${MIN_PASSWORD_LENGTH} characters`);
  if (new TextEncoder().encode(password).length > MAX_PASSWORD_BYTES)
    return fail('BAD_REQUEST', `a password has at most ${MAX_PASSWORD_BYTES} bytes`);
  return ok(password);
}
