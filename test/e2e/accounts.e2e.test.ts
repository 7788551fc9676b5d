import { readEvents } from '../support/audit-db';
import { addAccount, logIn, OPERATOR, PASSWORD } from '../support/accounts';
import { RawConnection } from '../support/raw-connection';
import { chunksOf, collector } from '../support/streams';
import { removeDir, serverPerTest, startTestServer } from '../support/test-server';
import { CredentialStore } from '../../src/domain/ports/credential-store.port';
import { FerryClient } from '../../src/transport/client/ferry-client';

const text = (value: string) => chunksOf(Buffer.from(value));

/** Each command a role may or may not run, as one call that resolves when allowed. */
const COMMANDS: Record<string, (client: FerryClient) => Promise<unknown>> = {
  LIST: (c) => c.list(),
  STAT: (c) => c.stat('shared.txt'),
  HISTORY: (c) => c.history('shared.txt'),
  DOWNLOAD: (c) => c.download('shared.txt', collector().sink),
  UPLOAD: (c) => c.upload('new.txt', text('new'), 3),
  DELETE: (c) => c.delete('doomed.txt'),
  RESTORE: (c) => c.restore('shared.txt', 1),
  'USER LIST': (c) => c.listUsers(),
  'USER ADD': (c) => c.changeUser('ADD', 'newcomer', { options: { role: 'read' } }, PASSWORD),
  AUDIT: (c) => c.audit(0, 5),
};

const ALLOWED: Record<string, readonly string[]> = {
  read: ['LIST', 'STAT', 'HISTORY', 'DOWNLOAD'],
  write: ['LIST', 'STAT', 'HISTORY', 'DOWNLOAD', 'UPLOAD', 'DELETE', 'RESTORE'],
  admin: Object.keys(COMMANDS),
};

describe('accounts and roles over TCP', () => {
  const servers = serverPerTest();

  async function seed(): Promise<void> {
    const { app } = servers.ferry;
    await addAccount(app, 'root', 'admin');
    const root = await logIn(servers.ferry, 'root');
    await root.upload('shared.txt', text('shared'), 6);
    await root.upload('doomed.txt', text('doomed'), 6);
    await root.upload('alice/own.txt', text('mine'), 4);
    await root.upload('bob/theirs.txt', text('theirs'), 6);
    await root.logout();
  }

  it.each(['read', 'write', 'admin'] as const)('gives the %s role exactly its commands', async (role) => {
    await seed();
    await addAccount(servers.ferry.app, 'someone', role);
    const client = await logIn(servers.ferry, 'someone');
    for (const [command, run] of Object.entries(COMMANDS)) {
      const outcome = run(client);
      if (ALLOWED[role].includes(command)) await expect(outcome).resolves.toBeDefined();
      else await expect(outcome).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    await client.logout();
    const refusals = readEvents(servers.ferry.dataDir).filter(
      (e) => e.type === 'CommandRejected' && e.actor === 'someone',
    );
    expect(refusals).toHaveLength(Object.keys(COMMANDS).length - ALLOWED[role].length);
    expect(refusals.every((e) => e.payload.code === 'FORBIDDEN')).toBe(true);
  });

  it('refuses everything but HELP, LOGIN and LOGOUT before a login once an account exists', async () => {
    await seed();
    const client = await servers.ferry.connect();
    expect(client.loginRequired).toBe(true);
    await expect(client.help()).resolves.toBeDefined();
    for (const run of Object.values(COMMANDS)) {
      await expect(run(client)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    await client.logout();
    const anonymous = readEvents(servers.ferry.dataDir).filter(
      (e) => e.type === 'CommandRejected' && e.actor === 'anonymous',
    );
    expect(anonymous).toHaveLength(Object.keys(COMMANDS).length);
  });

  it('serves anonymously, with write rights but no admin, while no account exists', async () => {
    const client = await servers.ferry.connect();
    expect(client.loginRequired).toBe(false);
    await client.upload('free.txt', text('x'), 1);
    await expect(client.listUsers()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await client.logout();
  });

  it('confines an account to its home on every command, LIST and time travel included', async () => {
    await seed();
    await addAccount(servers.ferry.app, 'alice', 'write', { prefix: 'alice/' });
    const alice = await logIn(servers.ferry, 'alice');
    expect((await alice.list()).map((f) => f.name)).toEqual(['alice/own.txt']);
    expect((await alice.list('al')).map((f) => f.name)).toEqual(['alice/own.txt']);
    expect((await alice.list('', { at: '999999' })).map((f) => f.name)).toEqual(['alice/own.txt']);
    await expect(alice.list('bob/')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(alice.list('bob/', { at: '999999' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const outside: Array<(c: FerryClient) => Promise<unknown>> = [
      (c) => c.stat('bob/theirs.txt'),
      (c) => c.history('bob/theirs.txt'),
      (c) => c.download('bob/theirs.txt', collector().sink),
      (c) => c.upload('bob/planted.txt', text('x'), 1),
      (c) => c.upload('alice', text('x'), 1),
      (c) => c.delete('bob/theirs.txt'),
      (c) => c.restore('bob/theirs.txt', 1),
    ];
    for (const run of outside) await expect(run(alice)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await alice.upload('alice/new.txt', text('new'), 3);
    expect((await alice.stat('alice/new.txt')).by).toBe('alice');
    await alice.logout();
    const root = await logIn(servers.ferry, 'root');
    expect((await root.list()).map((f) => f.name)).toEqual([
      'alice/new.txt',
      'alice/own.txt',
      'bob/theirs.txt',
      'doomed.txt',
      'shared.txt',
    ]);
    await root.logout();
  });

  it('records failed logins with the name tried and never the password', async () => {
    await seed();
    const client = await servers.ferry.connect();
    await expect(client.login('root', 'wrong password 1')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(client.login('nobody', 'wrong password 2')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    await client.login('root', PASSWORD);
    await expect(client.login('root', PASSWORD)).rejects.toMatchObject({ code: 'CONFLICT' });
    await client.logout();
    const events = readEvents(servers.ferry.dataDir);
    const failed = events.filter((e) => e.type === 'LoginFailed');
    expect(failed.map((e) => e.payload)).toEqual([
      { user: 'root', reason: 'bad-password' },
      { user: 'nobody', reason: 'unknown-user' },
    ]);
    expect(failed.every((e) => e.remote.startsWith('127.0.0.1:'))).toBe(true);
    const succeeded = events.filter((e) => e.type === 'LoginSucceeded' && e.session === client.session);
    expect(succeeded).toMatchObject([{ actor: 'root', payload: { user: 'root', role: 'admin' } }]);
    const closed = events.find((e) => e.type === 'SessionClosed' && e.session === client.session);
    expect(closed?.actor).toBe('root');
    const everything = JSON.stringify(events);
    expect(everything).not.toContain('wrong password');
    expect(everything).not.toContain(PASSWORD);
  });

  it('ends the rights of a disabled account at once and refuses its logins', async () => {
    await seed();
    await addAccount(servers.ferry.app, 'carol', 'write');
    const carol = await logIn(servers.ferry, 'carol');
    await carol.upload('c.txt', text('c'), 1);
    const root = await logIn(servers.ferry, 'root');
    await root.changeUser('DISABLE', 'carol');
    await expect(carol.list()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(logIn(servers.ferry, 'carol')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await root.changeUser('ENABLE', 'carol');
    await expect(carol.list()).resolves.toHaveLength(5);
    const failed = readEvents(servers.ferry.dataDir).filter((e) => e.type === 'LoginFailed');
    expect(failed.map((e) => e.payload)).toEqual([{ user: 'carol', reason: 'disabled' }]);
    await carol.logout();
    await root.logout();
  });

  it('applies a new password to new sessions; open ones carry on', async () => {
    await seed();
    await addAccount(servers.ferry.app, 'dave', 'read');
    const open = await logIn(servers.ferry, 'dave');
    const root = await logIn(servers.ferry, 'root');
    await root.changeUser('PASSWD', 'dave', {}, 'a brand new secret');
    await expect(logIn(servers.ferry, 'dave')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const fresh = await logIn(servers.ferry, 'dave', 'a brand new secret');
    await expect(open.list()).resolves.toHaveLength(4);
    await Promise.all([open.logout(), fresh.logout(), root.logout()]);
  });

  it('manages accounts over the wire: add, role, prefix, quota, list, with each change an event by the admin', async () => {
    await seed();
    const root = await logIn(servers.ferry, 'root');
    await root.changeUser('ADD', 'erin', { options: { role: 'read', prefix: 'erin/' } }, PASSWORD);
    await expect(
      root.changeUser('ADD', 'erin', { options: { role: 'read' } }, PASSWORD),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(root.changeUser('ROLE', 'nobody', { positional: 'write' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      root.changeUser('ADD', 'weak', { options: { role: 'read' } }, 'short'),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(
      root.changeUser('ADD', 'Bad:Name', { options: { role: 'read' } }, PASSWORD),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await root.changeUser('ROLE', 'erin', { positional: 'write' });
    await root.changeUser('PREFIX', 'erin', { positional: '-' });
    await root.changeUser('QUOTA', 'erin', { options: { bytes: '100', files: '2' } });
    const erin = (await root.listUsers()).find((u) => u.name === 'erin');
    expect(erin).toEqual({
      name: 'erin',
      role: 'write',
      disabled: false,
      quotaBytes: 100,
      quotaFiles: 2,
      files: 0,
      bytes: 0,
    });
    await root.logout();
    const changes = readEvents(servers.ferry.dataDir).filter(
      (e) => e.type.startsWith('User') && e.actor === 'root',
    );
    expect(changes.map((e) => e.type)).toEqual([
      'UserAdded',
      'UserRoleChanged',
      'UserPrefixChanged',
      'UserQuotaChanged',
      'UsersListed',
    ]);
    expect(changes[0].payload).toEqual({ user: 'erin', role: 'read', prefix: 'erin/', passwordSet: true });
  });

  it('lets an admin read the audit log over the wire as the canonical records', async () => {
    await seed();
    const root = await logIn(servers.ferry, 'root');
    const records = await root.audit(0, 3);
    expect(records).toHaveLength(3);
    const first = JSON.parse(records[0]) as { seq: number; type: string };
    expect(first).toMatchObject({ seq: 1, type: 'LogNamed' });
    const next = await root.audit(3, 1);
    expect(JSON.parse(next[0])).toMatchObject({ seq: 4 });
    await root.logout();
    const read = readEvents(servers.ferry.dataDir).filter((e) => e.type === 'AuditRead');
    expect(read.map((e) => e.payload)).toEqual([
      { after: 0, count: 3 },
      { after: 3, count: 1 },
    ]);
  });

  it('never echoes a password in a refusal of a LOGIN or USER line', async () => {
    await seed();
    const raw = await RawConnection.open(servers.ferry.address);
    raw.send('LOGIN root "unclosed s3cr3t-text\n');
    raw.send('LOGIN root s3cr3t-text extra-s3cr3t\n');
    const replies = await raw.lines(2);
    expect(replies.every((line) => line.startsWith('ERR BAD_REQUEST'))).toBe(true);
    expect(replies.join('\n')).not.toContain('s3cr3t');
    raw.socket.destroy();
    await servers.ferry.app.ledger.drain();
    expect(JSON.stringify(readEvents(servers.ferry.dataDir))).not.toContain('s3cr3t');
  });
});

describe('accounts with memory storage', () => {
  it('logs in, confines and refuses as with disk storage, the hashes kept in memory', async () => {
    const ferry = await startTestServer({ store: 'memory' });
    try {
      await addAccount(ferry.app, 'mia', 'write', { prefix: 'mia/' });
      await expect(logIn(ferry, 'mia', 'not it at all')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      const mia = await logIn(ferry, 'mia');
      await mia.upload('mia/a.txt', text('a'), 1);
      await expect(mia.upload('b.txt', text('b'), 1)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect((await mia.list()).map((f) => [f.name, f.by])).toEqual([['mia/a.txt', 'mia']]);
      await mia.logout();
    } finally {
      await ferry.stop();
      removeDir(ferry.dataDir);
    }
  });
});

describe('accounts whose password could not be kept', () => {
  it('reports STORAGE_FAILED, keeps the event, and refuses logins as no-password until a new one is set', async () => {
    const failing: CredentialStore = {
      save: () => Promise.reject(new Error('disk full')),
      find: async () => undefined,
      close: async () => undefined,
    };
    const ferry = await startTestServer({ overrides: { credentials: failing } });
    try {
      const added = await ferry.app.handlers.accounts.change(
        OPERATOR,
        { action: 'add', user: 'nina', role: 'read' },
        PASSWORD,
      );
      expect(added).toMatchObject({ ok: false, error: { code: 'STORAGE_FAILED' } });
      await ferry.app.ledger.drain();
      expect(readEvents(ferry.dataDir).find((e) => e.type === 'UserAdded')?.payload).toMatchObject({
        user: 'nina',
        passwordSet: true,
      });
      await expect(logIn(ferry, 'nina')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      // An account added without a password cannot log in either.
      await ferry.app.handlers.accounts.change(OPERATOR, { action: 'add', user: 'omar', role: 'read' });
      await expect(logIn(ferry, 'omar')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await ferry.app.ledger.drain();
      const failed = readEvents(ferry.dataDir).filter((e) => e.type === 'LoginFailed');
      expect(failed.map((e) => e.payload)).toEqual([
        { user: 'nina', reason: 'no-password' },
        { user: 'omar', reason: 'no-password' },
      ]);
    } finally {
      await ferry.stop();
      removeDir(ferry.dataDir);
    }
  });
});
