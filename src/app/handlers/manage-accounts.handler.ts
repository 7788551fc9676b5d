import { inject, injectable } from 'inversify';
import { Account, AccountKey } from '../../domain/accounts';
import { Usage } from '../../domain/file-versions';
import { checkPasswordStrength } from '../../domain/account-names';
import { AccountChange, accountCommand, decideAccountChange } from '../../domain/account-decisions';
import { DomainError, domainError, fail, ok, Result } from '../../domain/errors';
import { EventOrigin, FerryEvent } from '../../domain/events';
import { CredentialStore } from '../../domain/ports/credential-store.port';
import { Logger } from '../../domain/ports/logger.port';
import { PasswordHasher } from '../../domain/ports/password-hasher.port';
import { PublicKeys } from '../../domain/ports/public-keys.port';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';

export interface AccountWithUsage {
  readonly account: Account;
  readonly usage: Usage;
}

/**
 * Account management, by an admin over the wire or by the operator on the data folder. Every change is
 * one event; a password is hashed first and its hash filed, outside the log, under the event's id.
 */
@injectable()
export class ManageAccounts {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(AccessGuard) private readonly access: AccessGuard,
    @inject(TOKENS.CredentialStore) private readonly credentials: CredentialStore,
    @inject(TOKENS.PasswordHasher) private readonly hasher: PasswordHasher,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.PublicKeys) private readonly publicKeys: PublicKeys,
  ) {}

  async change(origin: EventOrigin, change: AccountChange, password?: string): Promise<Result<FerryEvent>> {
    const command = accountCommand(change);
    // Accounts are not files: an admin's home does not confine whom it manages.
    const allowed = this.access.check(origin, 'admin', command, undefined, change.user);
    if (!allowed.ok) return allowed;
    if (change.action === 'passwd' && password === undefined) {
      return this.refuse(
        origin,
        command,
        change.user,
        domainError('BAD_REQUEST', 'USER PASSWD needs a password'),
      );
    }
    if (password !== undefined && change.action !== 'add' && change.action !== 'passwd') {
      const error = domainError('BAD_REQUEST', `${command} takes no password`);
      return this.refuse(origin, command, change.user, error);
    }
    if (password !== undefined) {
      const strong = checkPasswordStrength(password);
      if (!strong.ok) return this.refuse(origin, command, change.user, strong.error);
    }
    const hash = password === undefined ? undefined : await this.hasher.hash(password);
    // Decided after the await, with none before the record, so two admins cannot add one name twice.
    const decision = decideAccountChange(change, this.ledger.catalogue.accounts, hash !== undefined);
    if (!decision.ok) {
      this.ledger.reject(origin, command, decision.error, change.user);
      return decision;
    }
    const event = this.ledger.record({ ...origin, ...decision.value });
    if (hash === undefined) return ok(event);
    try {
      await this.credentials.save(change.user, event.id, hash);
    } catch (error) {
      this.logger.error('storing a password hash failed', { session: origin.session, error: String(error) });
      return fail('STORAGE_FAILED', `${change.user}: the password could not be stored; set it again`);
    }
    return ok(event);
  }

  /** Adds a public key (an OpenSSH one-line key, parsed here) the account may log in with over SSH. */
  async addKey(origin: EventOrigin, user: string, keyLine: string): Promise<Result<FerryEvent>> {
    const command = 'USER KEY ADD';
    const allowed = this.access.check(origin, 'admin', command, undefined, user);
    if (!allowed.ok) return allowed;
    const key = this.publicKeys.parse(keyLine);
    if (!key.ok) return this.refuse(origin, command, user, key.error);
    return this.change(origin, { action: 'key-add', user, key: key.value });
  }

  async removeKey(origin: EventOrigin, user: string, fingerprint: string): Promise<Result<FerryEvent>> {
    return this.change(origin, { action: 'key-remove', user, fingerprint });
  }

  /** The account's public keys, through `list` (so recorded as a USER LIST); NOT_FOUND for no account. */
  keys(origin: EventOrigin, user: string): Result<readonly AccountKey[]> {
    const listed = this.list(origin);
    if (!listed.ok) return listed;
    const found = listed.value.find(({ account }) => account.name === user);
    if (!found) return fail('NOT_FOUND', `no account ${user}`);
    return ok(found.account.keys ?? []);
  }

  /** Every account, with what its live files take now (what its quota is measured against). */
  list(origin: EventOrigin): Result<AccountWithUsage[]> {
    const allowed = this.access.check(origin, 'admin', 'USER LIST');
    if (!allowed.ok) return allowed;
    const catalogue = this.ledger.catalogue;
    const accounts = catalogue.accounts
      .list()
      .map((account) => ({ account, usage: catalogue.usage(account.name) }));
    this.ledger.record<'UsersListed'>({
      ...origin,
      type: 'UsersListed',
      payload: { count: accounts.length },
    });
    return ok(accounts);
  }

  private refuse(origin: EventOrigin, command: string, user: string, error: DomainError): Result<FerryEvent> {
    this.ledger.reject(origin, command, error, user);
    return { ok: false, error };
  }
}
