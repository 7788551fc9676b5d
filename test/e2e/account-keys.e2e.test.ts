import { readEvents } from '../support/audit-db';
import { addAccount, logIn } from '../support/accounts';
import { ED25519, RSA } from '../support/public-keys';
import { RawConnection } from '../support/raw-connection';
import { serverPerTest } from '../support/test-server';

describe('USER KEY over TCP', () => {
  const servers = serverPerTest();

  it('adds, lists and removes public keys as an admin; each change one event', async () => {
    const { app } = servers.ferry;
    await addAccount(app, 'root', 'admin');
    await addAccount(app, 'alice', 'write');
    const root = await logIn(servers.ferry, 'root');
    expect(await root.addUserKey('alice', ED25519.line)).toMatchObject({ fingerprint: ED25519.fingerprint });
    expect(await root.addUserKey('alice', RSA.line)).toMatchObject({ fingerprint: RSA.fingerprint });
    expect(await root.listUserKeys('alice')).toEqual([
      { fingerprint: ED25519.fingerprint, key: ED25519.line },
      { fingerprint: RSA.fingerprint, key: RSA.line },
    ]);
    expect(await root.removeUserKey('alice', ED25519.fingerprint)).toBeGreaterThan(0);
    expect((await root.listUserKeys('alice')).map((k) => k.fingerprint)).toEqual([RSA.fingerprint]);
    await expect(root.addUserKey('alice', RSA.line)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(root.addUserKey('alice', 'ssh-dss AAAA')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(root.removeUserKey('alice', ED25519.fingerprint)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(root.listUserKeys('nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await root.logout();

    const alice = await logIn(servers.ferry, 'alice');
    await expect(alice.addUserKey('alice', ED25519.line)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(alice.listUserKeys('alice')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await alice.logout();

    await app.ledger.drain();
    const events = readEvents(servers.ferry.dataDir);
    expect(events.filter((e) => e.type === 'UserKeyAdded').map((e) => e.payload)).toEqual([
      { user: 'alice', fingerprint: ED25519.fingerprint, key: ED25519.line },
      { user: 'alice', fingerprint: RSA.fingerprint, key: RSA.line },
    ]);
    expect(events.filter((e) => e.type === 'UserKeyRemoved')).toHaveLength(1);
  });

  it('refuses a malformed USER KEY line with BAD_REQUEST and goes on', async () => {
    await addAccount(servers.ferry.app, 'root', 'admin');
    const raw = await RawConnection.open(servers.ferry.address);
    raw.send('USER KEY FROB root\nUSER KEY ADD root\nHELP\n');
    const [first, second, help] = await raw.lines(3);
    expect(first).toMatch(/^ERR BAD_REQUEST/);
    expect(second).toMatch(/^ERR BAD_REQUEST/);
    expect(help).toMatch(/^OK/);
    raw.destroy();
  });
});
