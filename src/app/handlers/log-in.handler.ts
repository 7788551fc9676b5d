import { inject, injectable } from 'inversify';
import { ANONYMOUS } from '../../domain/accounts';
import { domainError, DomainError } from '../../domain/errors';
import { EventOrigin, LoginFailure } from '../../domain/events';
import { CredentialStore } from '../../domain/ports/credential-store.port';
import { PasswordHasher } from '../../domain/ports/password-hasher.port';
import { PublicKeys } from '../../domain/ports/public-keys.port';
import { BanKeeper } from '../ban-keeper';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';

/** A login's result for the transport: the session's new origin, or why not and whether to hang up. */
export type LoginResult =
  | { readonly ok: true; readonly origin: EventOrigin }
  | { readonly ok: false; readonly error: DomainError; readonly disconnect: boolean };

/** The same answer for every failure, so a client cannot learn which names exist. */
const LOGIN_FAILED = domainError('UNAUTHENTICATED', 'login failed');
/** A name tried is kept for auditors, but bounded: it is whatever a stranger typed. */
const MAX_NAME_TRIED = 128;

@injectable()
export class LogIn {
  /** Checked against when there is no real hash, so a failure takes as long whatever the reason. */
  private decoy: Promise<string> | undefined;

  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.CredentialStore) private readonly credentials: CredentialStore,
    @inject(TOKENS.PasswordHasher) private readonly hasher: PasswordHasher,
    @inject(BanKeeper) private readonly bans: BanKeeper,
    @inject(TOKENS.PublicKeys) private readonly publicKeys: PublicKeys,
  ) {}

  async execute(origin: EventOrigin, user: string, password: string): Promise<LoginResult> {
    const refused = this.refusedBeforeCheck(origin, user);
    if (refused) return refused;
    const mismatch = await this.check(user, password);
    // The account is read again after the await: it may have been disabled meanwhile.
    return this.conclude(origin, user, mismatch);
  }

  /**
   * "This account presents this public key" (SSH public-key login), with the same result, events and
   * failure counting as a password login; a key the account does not hold is a failed login
   * (`unknown-key`). It checks no signature: the transport calls it once the client proved it holds the
   * private key. `blob` is the key in SSH wire form, as the client sent it.
   */
  async withPublicKey(origin: EventOrigin, user: string, blob: Uint8Array): Promise<LoginResult> {
    const refused = this.refusedBeforeCheck(origin, user);
    if (refused) return refused;
    const fingerprint = this.publicKeys.fingerprint(blob);
    const account = this.ledger.catalogue.accounts.get(user);
    const held = account?.keys?.some((key) => key.fingerprint === fingerprint) ?? false;
    return this.conclude(
      origin,
      user,
      !account ? 'unknown-user' : held ? undefined : 'unknown-key',
      fingerprint,
    );
  }

  /**
   * Whether the account holds this key and could log in with it now, recording nothing: for the query an
   * SSH client makes before it signs (it may offer several keys; only a signed attempt counts).
   */
  acceptsKey(user: string, blob: Uint8Array): boolean {
    const account = this.ledger.catalogue.accounts.get(user);
    if (!account || account.disabled) return false;
    const fingerprint = this.publicKeys.fingerprint(blob);
    return account.keys?.some((key) => key.fingerprint === fingerprint) ?? false;
  }

  /** A banned address, or a session that has logged in already: refused before any credential is looked at. */
  private refusedBeforeCheck(origin: EventOrigin, user: string): LoginResult | undefined {
    if (this.bans.isBanned(origin.remote)) {
      const error = domainError('BANNED', 'too many failed logins from your address; try again later');
      this.ledger.reject(origin, 'LOGIN', error, user);
      return { ok: false, error, disconnect: true };
    }
    if (origin.actor !== ANONYMOUS) {
      const error = domainError('CONFLICT', `this session is logged in as ${origin.actor} already`);
      this.ledger.reject(origin, 'LOGIN', error, user);
      return { ok: false, error, disconnect: false };
    }
    return undefined;
  }

  /** Records the login or its failure (counted towards a ban); `key` is the fingerprint of a key login. */
  private conclude(
    origin: EventOrigin,
    user: string,
    mismatch: LoginFailure | undefined,
    key?: string,
  ): LoginResult {
    const account = this.ledger.catalogue.accounts.get(user);
    const failure = mismatch ?? (account?.disabled ? 'disabled' : undefined);
    if (failure !== undefined || !account) {
      const tried = user.slice(0, MAX_NAME_TRIED);
      const reason: LoginFailure = failure ?? 'unknown-user';
      this.ledger.record<'LoginFailed'>({ ...origin, type: 'LoginFailed', payload: { user: tried, reason } });
      const banned = this.bans.afterFailure(origin);
      return { ok: false, error: LOGIN_FAILED, disconnect: banned };
    }
    const session = { ...origin, actor: account.name };
    this.ledger.record<'LoginSucceeded'>({
      ...session,
      type: 'LoginSucceeded',
      payload: { user: account.name, role: account.role, ...(key === undefined ? {} : { key }) },
    });
    return { ok: true, origin: session };
  }

  /** Why the password does not open the account; undefined when it does. */
  private async check(user: string, password: string): Promise<LoginFailure | undefined> {
    const account = this.ledger.catalogue.accounts.get(user);
    const hash = account?.passwordEvent
      ? await this.credentials.find(user, account.passwordEvent)
      : undefined;
    const matches = await this.hasher.verify(hash ?? (await this.decoyHash()), password);
    if (!account) return 'unknown-user';
    if (!hash) return 'no-password';
    return matches ? undefined : 'bad-password';
  }

  private decoyHash(): Promise<string> {
    this.decoy ??= this.hasher.hash(`decoy-${Math.random()}`);
    return this.decoy;
  }
}
