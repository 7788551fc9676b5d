import { readEvents } from '../support/audit-db';
import { addAccount, logIn } from '../support/accounts';
import { RawConnection } from '../support/raw-connection';
import { chunksOf, collector } from '../support/streams';
import { serverPerTest } from '../support/test-server';

const text = (value: string) => chunksOf(Buffer.from(value));

describe('RENAME over TCP', () => {
  const servers = serverPerTest();

  it('moves the live file in one event: new version under the new name, history under both', async () => {
    const client = await servers.ferry.connect();
    await client.upload('draft.txt', text('one'), 3);
    await client.upload('draft.txt', text('two!'), 4);
    const renamed = await client.rename('draft.txt', 'final/report.txt');
    expect(renamed).toMatchObject({
      name: 'final/report.txt',
      version: 1,
      from: 'draft.txt',
      fromVersion: 2,
      size: 4,
    });

    expect((await client.list()).map((f) => f.name)).toEqual(['final/report.txt']);
    expect(await client.stat('final/report.txt')).toMatchObject({
      version: 1,
      renamedFrom: 'draft.txt',
      renamedFromVersion: 2,
    });
    await expect(client.stat('draft.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const moved = collector();
    await client.download('final/report.txt', moved.sink);
    expect(moved.bytes().toString()).toBe('two!');
    // The old name's versions stay downloadable by version.
    const old = collector();
    await client.download('draft.txt', old.sink, { version: 1 });
    expect(old.bytes().toString()).toBe('one');

    const oldHistory = await client.history('draft.txt');
    expect(oldHistory.map((entry) => [entry.action, entry.version])).toEqual([
      ['uploaded', 1],
      ['uploaded', 2],
      ['renamed-to', 2],
    ]);
    expect(oldHistory[2]).toMatchObject({ renamedTo: 'final/report.txt', by: 'anonymous' });
    const newHistory = await client.history('final/report.txt');
    expect(newHistory).toEqual([
      expect.objectContaining({
        action: 'renamed-from',
        version: 1,
        renamedFrom: 'draft.txt',
        renamedFromVersion: 2,
      }),
    ]);
    await client.logout();

    await servers.ferry.app.ledger.drain();
    const events = readEvents(servers.ferry.dataDir).filter((e) => e.type === 'FileRenamed');
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({
      from: 'draft.txt',
      to: 'final/report.txt',
      version: 1,
      fromVersion: 2,
    });
  });

  it('refuses a live target with CONFLICT, replaces it with if-version, and a missing source with NOT_FOUND', async () => {
    const client = await servers.ferry.connect();
    await client.upload('a', text('A'), 1);
    await client.upload('b', text('B'), 1);
    await expect(client.rename('a', 'b')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(client.rename('a', 'b', { ifVersion: 2 })).rejects.toMatchObject({
      code: 'VERSION_CONFLICT',
    });
    await expect(client.rename('missing', 'c')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.rename('a', 'a')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await client.rename('a', 'b', { ifVersion: 1 })).toMatchObject({ version: 2, fromVersion: 1 });
    const bytes = collector();
    await client.download('b', bytes.sink);
    expect(bytes.bytes().toString()).toBe('A');
    expect((await client.list()).map((f) => f.name)).toEqual(['b']);
    await client.logout();
  });

  it('answers a retried request id with the first result, without renaming twice', async () => {
    const first = await RawConnection.open(servers.ferry.address);
    first.send('UPLOAD "my file.txt" 2 id=u1\nhi');
    first.send('RENAME "my file.txt" "new \\"name\\".txt" id=mv-1\n');
    const replies = await first.lines(2);
    expect(replies[1]).toMatch(/^OK version=1 from-version=1 size=2 sha256=[0-9a-f]{64}$/);
    first.destroy();

    const client = await servers.ferry.connect();
    const again = await client.rename('my file.txt', 'new "name".txt', { requestId: 'mv-1' });
    expect(again).toMatchObject({ version: 1, fromVersion: 1, size: 2 });
    expect((await client.list()).map((f) => f.name)).toEqual(['new "name".txt']);
    await client.logout();
    await servers.ferry.app.ledger.drain();
    const types = readEvents(servers.ferry.dataDir).map((e) => e.type);
    expect(types.filter((t) => t === 'FileRenamed')).toHaveLength(1);
    expect(types).toContain('RequestReplayed');
  });

  it('needs the write role and both names inside the home; each refusal is one event', async () => {
    const { app } = servers.ferry;
    await addAccount(app, 'root', 'admin');
    await addAccount(app, 'alice', 'write', { prefix: 'alice/' });
    await addAccount(app, 'rita', 'read');
    const root = await logIn(servers.ferry, 'root');
    await root.upload('alice/own.txt', text('mine'), 4);
    await root.upload('bob/theirs.txt', text('bob'), 3);
    await root.logout();

    const alice = await logIn(servers.ferry, 'alice');
    await expect(alice.rename('alice/own.txt', 'bob/stolen.txt')).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(alice.rename('bob/theirs.txt', 'alice/got.txt')).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await alice.rename('alice/own.txt', 'alice/sub/own.txt')).toMatchObject({ version: 1 });
    await alice.logout();
    const rita = await logIn(servers.ferry, 'rita');
    await expect(rita.rename('bob/theirs.txt', 'bob/x.txt')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await rita.logout();

    await app.ledger.drain();
    const refused = readEvents(servers.ferry.dataDir).filter(
      (e) => e.type === 'CommandRejected' && e.payload.command === 'RENAME',
    );
    expect(refused.map((e) => [e.actor, e.payload.name, e.payload.code])).toEqual([
      ['alice', 'bob/stolen.txt', 'FORBIDDEN'],
      ['alice', 'bob/theirs.txt', 'FORBIDDEN'],
      ['rita', 'bob/theirs.txt', 'FORBIDDEN'],
    ]);
  });
});
