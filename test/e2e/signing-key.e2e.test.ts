import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verify } from '../support/audited-data-folder';
import { runFerry, startServerProcess } from '../support/ferry-binary';
import { removeDir, tempDir } from '../support/test-server';

/**
 * The checkpoint key of a data folder whose log is signed cannot change behind the log's back: a server
 * refuses to start without the key that signed the newest checkpoint, and says how to recover.
 */
describe('ferry serve and the signing key of a signed log', () => {
  let dataDir: string;
  let work: string;
  beforeEach(async () => {
    dataDir = tempDir();
    work = tempDir('ferry-key-work-');
    const server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    writeFileSync(join(work, 'a.txt'), 'signed history');
    expect((await runFerry(['put', 'a.txt', '--server', server.server], { cwd: work })).code).toBe(0);
    // The clean stop signs a checkpoint over everything.
    expect(await server.stop()).toBe(0);
  });
  afterEach(() => {
    removeDir(dataDir);
    removeDir(work);
  });

  const serve = () => runFerry(['serve', '--port', '0', '--data', dataDir, '--log-level', 'error']);

  it('refuses to start when the key file is gone, makes no new key, and starts once it is back', async () => {
    const key = join(dataDir, 'audit-signing-key.pem');
    renameSync(key, join(work, 'kept-key.pem'));
    const refused = await serve();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /newest checkpoint \(of \d+ events\) is signed by key [0-9a-f]{64}, but .*audit-signing-key\.pem is missing: put back that key file/,
    );
    expect(existsSync(key)).toBe(false);

    copyFileSync(join(work, 'kept-key.pem'), key);
    const server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    expect(await server.stop()).toBe(0);
    expect((await verify(dataDir)).json.ok).toBe(true);
  });

  it('refuses to start with another key in place of the one that signed', async () => {
    const other = join(work, 'other');
    mkdirSync(other);
    const made = await startServerProcess(['--data', other, '--log-level', 'error']);
    expect(await made.stop()).toBe(0);
    for (const file of ['audit-signing-key.pem', 'audit-signing-key.pub.pem']) {
      copyFileSync(join(other, file), join(dataDir, file));
    }
    const refused = await serve();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /but .*audit-signing-key\.pem is key [0-9a-f]{64}: put back the key that signed it/,
    );
  });
});
