import { DEFAULT_BAN_POLICY } from '../../src/domain/address-bans';
import { addAccount, logIn, ManualClock } from '../support/accounts';
import { readEvents } from '../support/audit-db';
import { firstLine } from '../support/first-line';
import { removeDir, startTestServer, TestServer } from '../support/test-server';

const MINUTE = 60_000;

describe('bans after failed logins, with an injected clock', () => {
  let ferry: TestServer;
  let clock: ManualClock;

  async function start(safelist: string[] = []): Promise<void> {
    clock = new ManualClock();
    ferry = await startTestServer({
      overrides: { clock },
      config: { bans: { maxFailures: 3, windowMs: 10 * MINUTE, banMs: 15 * MINUTE, safelist } },
    });
    await addAccount(ferry.app, 'root', 'admin');
  }

  afterEach(async () => {
    await ferry.stop();
    removeDir(ferry.dataDir);
  });

  async function failLogins(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const client = await ferry.connect();
      await client.login('root', 'not the password').catch(() => undefined);
      client.destroy();
    }
    // Each session's close is recorded once the server sees the connection gone.
    while (ferry.app.handlers.gate.connections > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await ferry.app.ledger.drain();
  }

  const events = (type: string) => readEvents(ferry.dataDir).filter((e) => e.type === type);

  it('bans an address after N failures, tells it so in one line, and lifts the ban when it runs out', async () => {
    await start();
    await failLogins(2);
    clock.advance(11 * MINUTE); // the first two fall out of the window
    await failLogins(2);
    expect(events('AddressBanned')).toHaveLength(0);
    await failLogins(1);
    const [banned] = events('AddressBanned');
    expect(banned.payload).toEqual({
      address: '127.0.0.1',
      until: new Date(clock.now().getTime() + 15 * MINUTE).toISOString(),
      failures: 3,
      ban: 1,
    });

    const refused = await firstLine(ferry.address);
    expect(refused.line).toMatch(/^ERR BANNED /);
    await refused.closed;
    // The right password does not help while banned.
    await expect(logIn(ferry, 'root')).rejects.toMatchObject({ code: 'BANNED' });
    // Another address is not affected.
    expect((await firstLine(ferry.address, '127.0.0.2')).line).toMatch(/^OK ferry\/1 /);

    clock.advance(15 * MINUTE);
    const client = await logIn(ferry, 'root');
    await client.logout();
    expect(events('AddressUnbanned').map((e) => e.payload)).toEqual([{ address: '127.0.0.1' }]);
  });

  it('records the end of a ban that ran out at the next upkeep, without waiting for a connection', async () => {
    await start();
    await failLogins(3);
    clock.advance(15 * MINUTE - 1);
    ferry.app.upkeep();
    await ferry.app.ledger.drain();
    expect(events('AddressUnbanned')).toHaveLength(0);
    clock.advance(1);
    ferry.app.upkeep();
    await ferry.app.ledger.drain();
    expect(events('AddressUnbanned')).toMatchObject([
      { actor: 'system:ferry', payload: { address: '127.0.0.1' } },
    ]);
  });

  it('doubles the ban for each repeat within a day', async () => {
    await start();
    await failLogins(3);
    clock.advance(15 * MINUTE);
    await failLogins(3);
    clock.advance(30 * MINUTE - 1);
    expect((await firstLine(ferry.address)).line).toMatch(/^ERR BANNED /);
    clock.advance(1);
    expect((await firstLine(ferry.address)).line).toMatch(/^OK /);
    expect(events('AddressBanned').map((e) => e.payload.ban)).toEqual([1, 2]);
  });

  it('keeps bans across a restart, since they are folded from the log', async () => {
    await start();
    await failLogins(3);
    const dataDir = ferry.dataDir;
    await ferry.stop();
    ferry = await startTestServer({ dataDir, overrides: { clock }, config: { bans: DEFAULT_BAN_POLICY } });
    expect((await firstLine(ferry.address)).line).toMatch(/^ERR BANNED /);
  });

  it('never bans a safelisted address', async () => {
    await start(['127.0.0.1']);
    await failLogins(6);
    expect(events('AddressBanned')).toHaveLength(0);
    expect(events('LoginFailed')).toHaveLength(6);
  });

  it('records a flood of refused connections as one event per address, with a count', async () => {
    await start();
    await failLogins(3);
    const before = readEvents(ferry.dataDir).length;
    for (let i = 0; i < 200; i++) await (await firstLine(ferry.address)).closed;
    await ferry.app.ledger.drain();
    expect(readEvents(ferry.dataDir)).toHaveLength(before);
    ferry.app.upkeep();
    await ferry.app.ledger.drain();
    expect(events('ConnectionsRefused').map((e) => e.payload)).toEqual([
      expect.objectContaining({ address: '127.0.0.1', reason: 'banned', count: 200 }),
    ]);
    expect(events('SessionOpened').length).toBeLessThan(10);
  });

  it('ends the session whose failure brought the ban', async () => {
    await start();
    await failLogins(2);
    const client = await ferry.connect();
    await expect(client.login('root', 'still wrong')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(client.list()).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
  });
});
