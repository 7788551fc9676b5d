import { Application } from '../../src/app/composition-root';
import { EventOf, EventOrigin, FerryEvent } from '../../src/domain/events';
import { MemoryEventLog } from '../../src/infra/memory-event-log';
import { addAccount, OPERATOR } from '../support/accounts';
import { startMemoryApp } from '../support/app-driver';
import { blobOf, ED25519, RSA } from '../support/public-keys';
import { valueOf } from '../support/results';

const stranger = (n = 1): EventOrigin => ({
  actor: 'anonymous',
  session: `s-${n}`,
  remote: `192.0.2.${n}:4000`,
});

/** Public-key accounts and login, as the SFTP adapter calls them through `app.handlers`. */
describe('account public keys through the container', () => {
  let app: Application;
  let log: MemoryEventLog;

  beforeEach(async () => {
    log = new MemoryEventLog();
    app = await startMemoryApp({ eventLog: log });
    await addAccount(app, 'alice', 'write');
  });
  afterEach(() => app.close());

  async function events<T extends FerryEvent['type']>(type: T): Promise<EventOf<T>[]> {
    await app.ledger.drain();
    const found: EventOf<T>[] = [];
    for await (const event of log.read()) if (event.type === type) found.push(event as EventOf<T>);
    return found;
  }

  it('adds, lists and removes keys; each change one event', async () => {
    const accounts = app.handlers.accounts;
    expect(valueOf(await accounts.addKey(OPERATOR, 'alice', ED25519.line))).toMatchObject({
      type: 'UserKeyAdded',
      payload: { user: 'alice', fingerprint: ED25519.fingerprint, key: ED25519.line },
    });
    await accounts.addKey(OPERATOR, 'alice', RSA.line);
    expect(valueOf(accounts.keys(OPERATOR, 'alice')).map((k) => k.fingerprint)).toEqual([
      ED25519.fingerprint,
      RSA.fingerprint,
    ]);
    expect((await accounts.removeKey(OPERATOR, 'alice', ED25519.fingerprint)).ok).toBe(true);
    expect(valueOf(accounts.keys(OPERATOR, 'alice')).map((k) => k.fingerprint)).toEqual([RSA.fingerprint]);
    expect(accounts.keys(OPERATOR, 'nobody')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('refuses a bad key, a key held already, an unknown fingerprint and a non-admin, each recorded', async () => {
    const accounts = app.handlers.accounts;
    const alice = { actor: 'alice', session: 's-alice', remote: '127.0.0.1:1' };
    expect(await accounts.addKey(OPERATOR, 'alice', 'ssh-dss AAAA')).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    await accounts.addKey(OPERATOR, 'alice', ED25519.line);
    expect(await accounts.addKey(OPERATOR, 'alice', ED25519.line)).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(await accounts.removeKey(OPERATOR, 'alice', 'SHA256:none')).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await accounts.addKey(alice, 'alice', RSA.line)).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    const refused = (await events('CommandRejected')).map((e) => [e.payload.command, e.payload.code]);
    expect(refused).toEqual([
      ['USER KEY ADD', 'BAD_REQUEST'],
      ['USER KEY ADD', 'CONFLICT'],
      ['USER KEY REMOVE', 'NOT_FOUND'],
      ['USER KEY ADD', 'FORBIDDEN'],
    ]);
  });

  it('logs in with a held key as a password login does, and records the key', async () => {
    await app.handlers.accounts.addKey(OPERATOR, 'alice', ED25519.line);
    expect(app.handlers.login.acceptsKey('alice', blobOf(ED25519.line))).toBe(true);
    const result = await app.handlers.login.withPublicKey(stranger(), 'alice', blobOf(ED25519.line));
    expect(result).toMatchObject({ ok: true, origin: { actor: 'alice', session: 's-1' } });
    expect((await events('LoginSucceeded')).map((e) => e.payload)).toEqual([
      { user: 'alice', role: 'write', key: ED25519.fingerprint },
    ]);
  });

  it('refuses a key the account does not hold, an unknown account and a disabled one as failed logins', async () => {
    await app.handlers.accounts.addKey(OPERATOR, 'alice', ED25519.line);
    const login = app.handlers.login;
    expect(login.acceptsKey('alice', blobOf(RSA.line))).toBe(false);
    expect(await login.withPublicKey(stranger(), 'alice', blobOf(RSA.line))).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHENTICATED', message: 'login failed' },
    });
    expect(await login.withPublicKey(stranger(), 'bob', blobOf(ED25519.line))).toMatchObject({ ok: false });
    await app.handlers.accounts.change(OPERATOR, { action: 'disable', user: 'alice' });
    expect(login.acceptsKey('alice', blobOf(ED25519.line))).toBe(false);
    expect(await login.withPublicKey(stranger(), 'alice', blobOf(ED25519.line))).toMatchObject({ ok: false });
    expect((await events('LoginFailed')).map((e) => e.payload)).toEqual([
      { user: 'alice', reason: 'unknown-key' },
      { user: 'bob', reason: 'unknown-user' },
      { user: 'alice', reason: 'disabled' },
    ]);
    expect(await events('LoginSucceeded')).toEqual([]);
  });

  it('counts refused keys towards a ban of the address, and then refuses even a held key', async () => {
    await app.handlers.accounts.addKey(OPERATOR, 'alice', ED25519.line);
    const login = app.handlers.login;
    let last;
    for (let i = 0; i < 10; i++) last = await login.withPublicKey(stranger(7), 'alice', blobOf(RSA.line));
    expect(last).toMatchObject({ ok: false, disconnect: true });
    expect(await login.withPublicKey(stranger(7), 'alice', blobOf(ED25519.line))).toMatchObject({
      ok: false,
      error: { code: 'BANNED' },
    });
    expect(await events('AddressBanned')).toHaveLength(1);
  });
});
