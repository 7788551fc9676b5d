import { readEvents } from '../support/audit-db';
import { RawConnection } from '../support/raw-connection';
import { chunksOf, collector } from '../support/streams';
import { serverPerTest } from '../support/test-server';

const text = (value: string) => chunksOf(Buffer.from(value));

describe('versions, history, restore and time travel over TCP', () => {
  const servers = serverPerTest();

  it('numbers versions, shows STAT and HISTORY, downloads old versions, restores and undeletes', async () => {
    const client = await servers.ferry.connect();
    await client.upload('doc.txt', text('first'), 5);
    await client.upload('doc.txt', text('second'), 6);
    expect(await client.stat('doc.txt')).toMatchObject({
      name: 'doc.txt',
      version: 2,
      size: 6,
      by: 'anonymous',
    });

    await client.delete('doc.txt');
    await expect(client.stat('doc.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const restored = await client.restore('doc.txt', 1);
    expect(restored).toMatchObject({ version: 3, fromVersion: 1, size: 5 });
    expect(await client.stat('doc.txt')).toMatchObject({ version: 3, restoredFrom: 1 });
    const out = collector();
    await client.download('doc.txt', out.sink);
    expect(out.bytes().toString()).toBe('first');
    const old = collector();
    await client.download('doc.txt', old.sink, { version: 2 });
    expect(old.bytes().toString()).toBe('second');

    const history = await client.history('doc.txt');
    expect(history.map((entry) => [entry.action, entry.version])).toEqual([
      ['uploaded', 1],
      ['uploaded', 2],
      ['deleted', 2],
      ['restored', 3],
    ]);
    expect(history[3]).toMatchObject({ restoredFrom: 1, size: 5, by: 'anonymous' });
    await expect(client.history('never.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.restore('doc.txt', 9)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await client.logout();
  });

  it('lists the catalogue exactly as it was at an event seq or an ISO time', async () => {
    const client = await servers.ferry.connect();
    await client.upload('a', text('1'), 1);
    await servers.ferry.app.ledger.drain();
    const afterA = readEvents(servers.ferry.dataDir).pop()!;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await client.upload('b', text('2'), 1);
    await client.delete('a');
    expect((await client.list()).map((f) => f.name)).toEqual(['b']);
    expect((await client.list('', { at: String(afterA.seq) })).map((f) => f.name)).toEqual(['a']);
    expect((await client.list('', { at: afterA.at })).map((f) => f.name)).toEqual(['a']);
    expect((await client.list('', { at: '0' })).map((f) => f.name)).toEqual([]);
    await expect(client.list('', { at: 'yesterday' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await client.logout();
  });

  it('lets exactly one of two concurrent writers with the same expected version win', async () => {
    const setup = await servers.ferry.connect();
    await setup.upload('shared.txt', text('base'), 4);
    const [alice, bob] = await Promise.all([servers.ferry.connect(), servers.ferry.connect()]);
    const results = await Promise.allSettled([
      alice.upload('shared.txt', text('alice'), 5, { ifVersion: 1 }),
      bob.upload('shared.txt', text('bob!!'), 5, { ifVersion: 1 }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost.map((r) => (r.reason as { code: string }).code)).toEqual(['VERSION_CONFLICT']);
    expect((await setup.stat('shared.txt')).version).toBe(2);

    await expect(setup.delete('shared.txt', { ifVersion: 1 })).rejects.toMatchObject({
      code: 'VERSION_CONFLICT',
    });
    await expect(setup.upload('shared.txt', text('x'), 1, { ifVersion: 0 })).rejects.toMatchObject({
      code: 'VERSION_CONFLICT',
    });
    await expect(setup.upload('fresh.txt', text('x'), 1, { ifVersion: 0 })).resolves.toMatchObject({
      version: 1,
    });
    expect((await setup.stat('shared.txt')).version).toBe(2);
    await Promise.all([setup, alice, bob].map((client) => client.logout()));
  });

  it('answers a retried request id with the first result instead of acting twice', async () => {
    // The first attempt's reply is lost with its connection.
    const first = await RawConnection.open(servers.ferry.address);
    first.send('UPLOAD once.txt 4 id=req-42\nonce');
    await first.lines(1);
    first.destroy();

    const client = await servers.ferry.connect();
    const retried = await client.upload('once.txt', text('once'), 4, { requestId: 'req-42' });
    expect(retried.version).toBe(1);
    expect((await client.stat('once.txt')).version).toBe(1);
    expect(await client.delete('once.txt', { requestId: 'del-1' })).toBe(1);
    expect(await client.delete('once.txt', { requestId: 'del-1' })).toBe(1);
    await client.restore('once.txt', 1, { requestId: 'res-1' });
    expect(await client.restore('once.txt', 1, { requestId: 'res-1' })).toMatchObject({ version: 2 });
    await expect(client.delete('once.txt', { requestId: 'req-42' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await client.logout();
    await servers.ferry.app.ledger.drain();

    const types = readEvents(servers.ferry.dataDir).map((event) => event.type);
    expect(types.filter((type) => type === 'FileUploaded')).toHaveLength(1);
    expect(types.filter((type) => type === 'FileDeleted')).toHaveLength(1);
    expect(types.filter((type) => type === 'FileRestored')).toHaveLength(1);
    expect(types.filter((type) => type === 'RequestReplayed')).toHaveLength(3);
  });

  it('keeps request ids across a restart', async () => {
    const client = await servers.ferry.connect();
    await client.upload('r.txt', text('r'), 1, { requestId: 'keep-me' });
    await client.logout();
    await servers.restart();
    const again = await servers.ferry.connect();
    expect(await again.upload('r.txt', text('r'), 1, { requestId: 'keep-me' })).toMatchObject({ version: 1 });
    expect((await again.history('r.txt')).length).toBe(1);
    await again.logout();
  });
});
