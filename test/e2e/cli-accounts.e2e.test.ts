import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { readEvents } from '../support/audit-db';
import { runFerry, RunResult, startServerProcess } from '../support/ferry-binary';
import { removeDir, tempDir } from '../support/test-server';

const ROOT_PASSWORD = 'root-pass-Aardvark-1';
const ALICE_PASSWORD = 'alice-pass-Buffalo-2';
const ALICE_NEW_PASSWORD = 'alice-pass-Chinchilla-3';
const WRONG_PASSWORD = 'wrong-pass-Dromedary-4';
const PASSWORDS = [ROOT_PASSWORD, ALICE_PASSWORD, ALICE_NEW_PASSWORD, WRONG_PASSWORD];

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('ferry user and logins, through the binary', () => {
  let data: string;
  let work: string;
  const outputs: RunResult[] = [];

  beforeAll(() => {
    data = tempDir();
    work = tempDir('ferry-cli-');
    writeFileSync(join(work, 'note.txt'), 'hello');
  });
  afterAll(() => {
    removeDir(data);
    removeDir(work);
  });

  async function ferry(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
    const result = await runFerry(args, { cwd: work, ...options });
    outputs.push(result);
    return result;
  }

  it('manages accounts on the data folder and over the wire, logs in, and never lets a password out', async () => {
    const added = await ferry(
      ['user', 'add', 'root', '--role', 'admin', '--password-stdin', '--data', data],
      {
        input: `${ROOT_PASSWORD}\n`,
      },
    );
    expect(added).toMatchObject({ code: 0, stdout: 'added root (admin)\n' });
    expect(
      (
        await ferry(['user', 'add', 'root', '--role', 'read', '--password-stdin', '--data', data], {
          input: ROOT_PASSWORD,
        })
      ).code,
    ).toBe(1);
    expect((await ferry(['user', 'add', 'x', '--role', 'boss', '--data', data])).code).toBe(2);
    expect((await ferry(['user', 'add', 'Nope', '--role', 'read', '--data', data])).code).toBe(2);
    const noPassword = await ferry(['user', 'add', 'y', '--role', 'read', '--data', data]);
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toMatch(/--password-stdin/);

    const server = await startServerProcess(['--data', data, '--log-level', 'debug']);
    const at = ['--server', server.server];
    const asRoot = { env: { FERRY_USER: 'root', FERRY_PASSWORD: ROOT_PASSWORD } };
    try {
      expect(server.output()).not.toMatch(/serving anonymously/);
      const anonymous = await ferry(['ls', ...at]);
      expect(anonymous.code).toBe(1);
      expect(anonymous.stderr).toMatch(/requires a login/);
      expect((await ferry(['ls', ...at], asRoot)).code).toBe(0);
      const wrong = await ferry(['ls', ...at, '--user', 'root'], { env: { FERRY_PASSWORD: WRONG_PASSWORD } });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toBe('ferry: login failed (UNAUTHENTICATED)\n');

      const remoteAdd = await ferry(
        ['user', 'add', 'alice', '--role', 'write', '--prefix', 'alice/', '--password-stdin', ...at],
        { input: ALICE_PASSWORD, ...asRoot },
      );
      expect(remoteAdd).toMatchObject({ code: 0, stdout: 'added alice (write, home alice/)\n' });
      // The new account's password on stdin is never taken for the admin's own.
      const noAdminPassword = await ferry(
        ['user', 'add', 'bea', '--role', 'read', '--password-stdin', ...at, '--user', 'root'],
        { input: ALICE_PASSWORD },
      );
      expect(noAdminPassword.code).toBe(1);
      expect(noAdminPassword.stderr).toMatch(/no password for root/);
      // A bad role is a usage error before any login.
      expect((await ferry(['user', 'role', 'alice', 'boss', ...at, '--user', 'root'])).code).toBe(2);
      const put = await ferry(
        ['put', 'note.txt', 'alice/note.txt', ...at, '--user', 'alice', '--password-stdin'],
        {
          input: `${ALICE_PASSWORD}\n`,
        },
      );
      expect(put.code).toBe(0);
      const outside = await ferry(['put', 'note.txt', 'elsewhere.txt', ...at, '--user', 'alice'], {
        env: { FERRY_PASSWORD: ALICE_PASSWORD },
      });
      expect(outside.code).toBe(1);
      expect(outside.stderr).toMatch(/FORBIDDEN/);
      expect(
        (
          await ferry(['user', 'passwd', 'alice', '--password-stdin', ...at], {
            input: ALICE_NEW_PASSWORD,
            ...asRoot,
          })
        ).code,
      ).toBe(0);
      expect(
        (await ferry(['ls', ...at, '--user', 'alice'], { env: { FERRY_PASSWORD: ALICE_PASSWORD } })).code,
      ).toBe(1);
      const listed = await ferry(['user', 'list', '--json', ...at], asRoot);
      const alice = listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { name: string })
        .find((user) => user.name === 'alice');
      expect(alice).toEqual({
        name: 'alice',
        role: 'write',
        home: 'alice/',
        disabled: false,
        files: 1,
        bytes: 5,
      });
      const shell = await ferry(['shell', ...at, '--user', 'alice'], {
        input: 'LIST\n',
        env: { FERRY_PASSWORD: ALICE_NEW_PASSWORD },
      });
      expect(shell.code).toBe(0);
      expect(shell.stdout).toContain('alice/note.txt');
      const forbidden = await ferry(['user', 'list', ...at, '--user', 'alice'], {
        env: { FERRY_PASSWORD: ALICE_NEW_PASSWORD },
      });
      expect(forbidden.code).toBe(1);
      const busy = await ferry(['user', 'list', '--data', data]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/in use/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect((await ferry(['user', 'disable', 'alice', '--data', data])).code).toBe(0);
    expect(
      (await ferry(['user', 'quota', 'alice', '--bytes', '1M', '--files', '10', '--data', data])).code,
    ).toBe(0);
    const local = await ferry(['user', 'list', '--data', data, '--json']);
    expect(local.stdout).toContain('"disabled":true');
    expect(local.stdout).toContain('"quotaBytes":1048576');

    const everythingSaid = outputs.map((r) => r.stdout + r.stderr).join('\n') + server.output();
    for (const file of files(data)) {
      const bytes = readFileSync(file).toString('latin1');
      for (const password of PASSWORDS)
        expect({ file, found: bytes.includes(password) }).toEqual({ file, found: false });
      if (!file.includes('credentials.db'))
        expect({ file, hash: bytes.includes('$argon2') }).toEqual({ file, hash: false });
    }
    for (const password of PASSWORDS) expect(everythingSaid).not.toContain(password);
    expect(everythingSaid).not.toContain('$argon2');
    // The hashes are there, in the file of their own, readable by the owner alone.
    expect(statSync(join(data, 'credentials.db')).mode & 0o777).toBe(0o600);
    // Accounts made on the data folder name the operator's OS account as the actor.
    const userAdded = readEvents(data).filter((e) => e.type === 'UserAdded');
    expect(userAdded.map((e) => [e.payload.user, e.actor])).toEqual([
      ['root', `local:${userInfo().username}`],
      ['alice', 'root'],
    ]);
    expect(
      readEvents(data).filter((e) => e.type === 'LoginFailed' && e.payload.user === 'root'),
    ).toHaveLength(1);
  });

  it('refuses to serve off loopback without TLS and accounts, saying what to do', async () => {
    const empty = tempDir();
    try {
      const plain = await runFerry(['serve', '--host', '0.0.0.0', '--port', '0', '--data', empty]);
      expect(plain.code).toBe(2);
      expect(plain.stderr).toMatch(/without TLS: pass --tls-cert and --tls-key, or --allow-plaintext/);
      const badFlag = await runFerry(['serve', '--port', '0', '--data', empty], {
        env: { FERRY_ALLOW_PLAINTEXT: 'perhaps' },
      });
      expect(badFlag.code).toBe(2);
      expect(badFlag.stderr).toMatch(/FERRY_ALLOW_PLAINTEXT must be 1, true, 0 or false/);
      const anonymous = await runFerry([
        'serve',
        '--host',
        '0.0.0.0',
        '--port',
        '0',
        '--data',
        empty,
        '--allow-plaintext',
      ]);
      expect(anonymous.code).toBe(2);
      expect(anonymous.stderr).toMatch(/without accounts: add one first with "ferry user add/);
    } finally {
      removeDir(empty);
    }
  });
});
