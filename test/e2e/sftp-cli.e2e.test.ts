import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { PASSWORD } from '../support/accounts';
import { runFerry, startServerProcess, ServerProcess } from '../support/ferry-binary';
import { sftpBatch } from '../support/sftp-server';
import { removeDir, tempDir } from '../support/test-server';

/** `ferry serve --sftp-port`: the host key made once, its fingerprint printed at every start. */

const dataDir = tempDir('ferry-sftp-cli-');
let server: ServerProcess | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

afterAll(() => removeDir(dataDir));

async function sftpLine(process: ServerProcess): Promise<{ port: number; fingerprint: string }> {
  for (let tries = 0; tries < 100; tries++) {
    const match = /Ferry SFTP listening on 127\.0\.0\.1:(\d+), host key (SHA256:[A-Za-z0-9+/]{43})\n/.exec(
      process.output(),
    );
    if (match) return { port: Number(match[1]), fingerprint: match[2] };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no SFTP line: ${process.output()}`);
}

test('the host key is created once (mode 0600), its fingerprint printed at every start, and sftp logs in', async () => {
  const added = await runFerry(
    ['user', 'add', 'alice', '--role', 'write', '--data', dataDir, '--password-stdin'],
    {
      input: `${PASSWORD}\n`,
    },
  );
  expect(added.code).toBe(0);

  server = await startServerProcess(['--data', dataDir, '--sftp-port', '0']);
  const first = await sftpLine(server);
  const keyFile = join(dataDir, 'sftp-host-key');
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  expect(spawnSync('ssh-keygen', ['-lf', keyFile]).stdout.toString()).toContain(first.fingerprint);
  const run = await sftpBatch(first.port, 'alice', PASSWORD, ['ls']);
  expect(run.code).toBe(0);
  expect(await server.stop()).toBe(0);

  // FERRY_SFTP_PORT turns it on as the flag does; the key is the same one.
  server = await startServerProcess(['--data', dataDir], { FERRY_SFTP_PORT: '0' });
  const second = await sftpLine(server);
  expect(second.fingerprint).toBe(first.fingerprint);
});

test('a bad --sftp-port is refused as bad usage', async () => {
  const run = await runFerry(['serve', '--data', dataDir, '--port', '0', '--sftp-port', '70000']);
  expect(run.code).toBe(2);
});
