import { DEFAULT_UPLOAD_LIMITS } from '../../src/app/upload-limits';
import { FreeSpace } from '../../src/domain/ports/free-space.port';
import { addAccount, logIn } from '../support/accounts';
import { readEvents } from '../support/audit-db';
import { firstLine } from '../support/first-line';
import { RawConnection } from '../support/raw-connection';
import { storedBlobs } from '../support/stored-blobs';
import { chunksOf } from '../support/streams';
import { removeDir, startTestServer, TestServer } from '../support/test-server';

const text = (value: string) => chunksOf(Buffer.from(value));

describe('limits', () => {
  let ferry: TestServer;
  afterEach(async () => {
    await ferry.stop();
    removeDir(ferry.dataDir);
  });

  it('caps connections per address and in total, and still serves a client from elsewhere', async () => {
    ferry = await startTestServer({
      config: { connections: { maxConnections: 6, maxConnectionsPerAddress: 3 } },
    });
    const flood = await Promise.all([1, 2, 3].map(() => RawConnection.open(ferry.address)));
    const fourth = await firstLine(ferry.address);
    expect(fourth.line).toMatch(/^ERR TOO_MANY_CONNECTIONS /);
    const elsewhere = await Promise.all([1, 2, 3].map(() => RawConnection.open(ferry.address, '127.0.0.2')));
    elsewhere[0].send('LIST\n');
    expect(await elsewhere[0].lines(1)).toEqual(['OK count=0']);
    const full = await firstLine(ferry.address, '127.0.0.3');
    expect(full.line).toMatch(/^ERR TOO_MANY_CONNECTIONS the server is full/);
    [...flood, ...elsewhere].forEach((connection) => connection.destroy());
    ferry.app.upkeep();
    await ferry.app.ledger.drain();
    const refused = readEvents(ferry.dataDir).filter((e) => e.type === 'ConnectionsRefused');
    expect(refused.map((e) => [e.payload.address, e.payload.reason, e.payload.count])).toEqual(
      expect.arrayContaining([
        ['127.0.0.1', 'address-full', 1],
        ['127.0.0.3', 'server-full', 1],
      ]),
    );
  });

  it('refuses a file over the size limit before storing a byte, and hangs up rather than read it', async () => {
    ferry = await startTestServer({
      config: { uploads: { ...DEFAULT_UPLOAD_LIMITS, maxFileSize: 2 * 1024 * 1024, spaceReserve: 0 } },
    });
    const client = await ferry.connect();
    await client.upload('fits.bin', chunksOf(Buffer.alloc(1000)), 1000);
    const raw = await RawConnection.open(ferry.address);
    raw.send('UPLOAD huge.bin 10000000000000\n');
    raw.send(Buffer.alloc(64 * 1024));
    const [line] = await raw.lines(1);
    expect(line).toMatch(/^ERR TOO_LARGE /);
    await raw.closed();
    await client.logout();
    expect(storedBlobs(ferry.dataDir)).toHaveLength(1);
    const refused = readEvents(ferry.dataDir).filter((e) => e.type === 'CommandRejected');
    expect(refused.map((e) => [e.payload.name, e.payload.code])).toEqual([['huge.bin', 'TOO_LARGE']]);
  });

  it('reports TOO_LARGE to a client that was sending the body', async () => {
    ferry = await startTestServer({
      config: { uploads: { ...DEFAULT_UPLOAD_LIMITS, maxFileSize: 1024 * 1024, spaceReserve: 0 } },
    });
    const client = await ferry.connect();
    const size = 8 * 1024 * 1024;
    await expect(
      client.upload('big.bin', chunksOf(Buffer.alloc(size), 64 * 1024), size),
    ).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
  });

  it('keeps each account within its quota, counting only the live versions it wrote, storing nothing when over', async () => {
    ferry = await startTestServer();
    await addAccount(ferry.app, 'root', 'admin');
    await addAccount(ferry.app, 'quinn', 'write');
    const root = await logIn(ferry, 'root');
    await root.changeUser('QUOTA', 'quinn', { options: { bytes: '10', files: '2' } });
    const quinn = await logIn(ferry, 'quinn');
    await quinn.upload('a', text('12345'), 5);
    await quinn.upload('a', text('123456789'), 9); // replaces its own: 9 bytes, 1 file
    const before = storedBlobs(ferry.dataDir).length;
    await expect(quinn.upload('b', text('12'), 2)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(storedBlobs(ferry.dataDir)).toHaveLength(before);
    await quinn.upload('b', text('1'), 1);
    await expect(quinn.upload('c', text(''), 0)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    await quinn.delete('b');
    await quinn.upload('c', text(''), 0);
    // A restore makes a new live version by the restorer: it counts too.
    await expect(quinn.restore('b', 1)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    const usage = (await root.listUsers()).find((u) => u.name === 'quinn');
    expect(usage).toMatchObject({ files: 2, bytes: 9, quotaFiles: 2, quotaBytes: 10 });
    await Promise.all([quinn.logout(), root.logout()]);
  });

  it('refuses an upload larger than the free space left, minus the reserve, before its body', async () => {
    let free = 10_000;
    const freeSpace: FreeSpace = { available: async () => free };
    ferry = await startTestServer({
      overrides: { freeSpace },
      config: { uploads: { ...DEFAULT_UPLOAD_LIMITS, maxFileSize: 1_000_000, spaceReserve: 1_000 } },
    });
    const client = await ferry.connect();
    await client.upload('fits.bin', chunksOf(Buffer.alloc(9_000)), 9_000);
    free = 9_500;
    await expect(client.upload('too-much.bin', chunksOf(Buffer.alloc(9_000)), 9_000)).rejects.toMatchObject({
      code: 'STORAGE_FULL',
    });
    await client.upload('small.bin', chunksOf(Buffer.alloc(8_000)), 8_000);
    await client.logout();
    expect(storedBlobs(ferry.dataDir)).toHaveLength(2);
  });

  it('lets uploads through when the file system cannot say how full it is (the write fails instead)', async () => {
    const freeSpace: FreeSpace = { available: () => Promise.reject(new Error('statfs failed')) };
    ferry = await startTestServer({ overrides: { freeSpace } });
    const client = await ferry.connect();
    await expect(client.upload('blind.bin', chunksOf(Buffer.alloc(100)), 100)).resolves.toMatchObject({
      version: 1,
    });
    await client.logout();
  });

  it('counts refusals from more than 10,000 addresses under "*" between two records', async () => {
    ferry = await startTestServer({
      config: { connections: { maxConnections: 0, maxConnectionsPerAddress: 1 } },
    });
    const gate = ferry.app.handlers.gate;
    const addresses = Array.from(
      { length: 10_005 },
      (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    );
    for (const address of addresses) expect(gate.admit(`${address}:1`).ok).toBe(false);
    // An address already counted keeps being counted under itself.
    expect(gate.admit(`${addresses[0]}:2`).ok).toBe(false);
    ferry.app.upkeep();
    await ferry.app.ledger.drain();
    const refused = readEvents(ferry.dataDir).filter((e) => e.type === 'ConnectionsRefused');
    expect(refused).toHaveLength(10_001);
    const count = (address: string) => refused.find((e) => e.payload.address === address)?.payload.count;
    expect([count(addresses[0]), count(addresses[9_999]), count('*')]).toEqual([2, 1, 5]);
  });

  it('refuses names that pose as other names', async () => {
    ferry = await startTestServer();
    const client = await ferry.connect();
    for (const name of ['\u202Efdp.exe', 'vic\u200Btim', '   ', 'a/ /b', 'trailing ', 'no\u00A0break']) {
      await expect(client.upload(name, text('x'), 1)).rejects.toMatchObject({ code: 'BAD_NAME' });
    }
    await client.logout();
  });
});
