import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import { runFerry, startServerProcess } from '../support/ferry-binary';
import { removeDir, tempDir } from '../support/test-server';

/**
 * A named log's checkpoints are C2SP tlog-checkpoint signed notes: `ferry audit checkpoint` prints one as
 * it is, `ferry audit key --note` prints the key to open it with, and `verify --against` takes it back.
 */
describe('checkpoints as C2SP signed notes, through the binary', () => {
  let dataDir: string;
  let work: string;
  beforeEach(() => {
    dataDir = tempDir();
    work = tempDir('ferry-notes-');
  });
  afterEach(() => {
    removeDir(dataDir);
    removeDir(work);
  });

  async function serveOnce(...flags: string[]): Promise<void> {
    const server = await startServerProcess(['--data', dataDir, '--log-level', 'error', ...flags]);
    writeFileSync(join(work, 'a.txt'), `bytes ${Date.now()}`);
    expect((await runFerry(['put', 'a.txt', '--server', server.server], { cwd: work })).code).toBe(0);
    expect(await server.stop()).toBe(0);
  }

  it('names the log after its key unless told, prints the newest checkpoint as a note and the key to open it', async () => {
    await serveOnce();
    const publicKey = createPublicKey(readFileSync(join(dataDir, 'audit-signing-key.pub.pem')));
    const keyId = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    const origin = `ferry/${keyId.slice(0, 16)}`;
    expect(readEvents(dataDir)[0]).toMatchObject({
      seq: 1,
      type: 'LogNamed',
      actor: 'system:ferry',
      payload: { origin },
    });

    const printed = await runFerry(['audit', 'checkpoint', '--data', dataDir]);
    expect(printed.code).toBe(0);
    const events = readEvents(dataDir).length;
    const [name, size, root, blank, signature, end] = printed.stdout.split('\n');
    expect([name, size, blank, end]).toEqual([origin, String(events), '', '']);
    expect(Buffer.from(root, 'base64')).toHaveLength(32);
    expect(signature).toMatch(new RegExp(`^\u2014 ${origin} [A-Za-z0-9+/]{91}=$`));

    const all = await runFerry(['audit', 'key', '--all', '--data', dataDir]);
    expect(all.stdout).toBe(
      `# key ${keyId}: the only key\n${readFileSync(join(dataDir, 'audit-signing-key.pub.pem'), 'utf8')}`,
    );
    const key = await runFerry(['audit', 'key', '--note', '--data', dataDir]);
    const raw = publicKey.export({ format: 'jwk' }).x!;
    const keyHash = createHash('sha256')
      .update(Buffer.concat([Buffer.from(`${origin}\n`), Buffer.of(1), Buffer.from(raw, 'base64url')]))
      .digest()
      .subarray(0, 4)
      .toString('hex');
    expect(key.stdout).toBe(
      `${origin}+${keyHash}+${Buffer.concat([Buffer.of(1), Buffer.from(raw, 'base64url')]).toString('base64')}\n`,
    );
    // The signature line's first four bytes are that key hash: the note names its key as C2SP says.
    expect(Buffer.from(signature.split(' ')[2], 'base64').subarray(0, 4).toString('hex')).toBe(keyHash);
  });

  it('takes a kept note back with verify --against, and refuses it with one character changed', async () => {
    await serveOnce('--log-origin', 'example.com/ferry-test');
    const kept = join(work, 'kept.note');
    writeFileSync(kept, (await runFerry(['audit', 'checkpoint', '--data', dataDir])).stdout);
    await serveOnce();
    const verified = await runFerry(['audit', 'verify', '--data', dataDir, '--against', kept, '--json']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });

    const note = readFileSync(kept, 'utf8');
    const [, size] = note.split('\n');
    for (const forged of [
      note.replace(`\n${size}\n`, `\n${Number(size) - 1}\n`),
      note.replace('example.com/ferry-test\n', 'example.com/ferry-tesT\n'),
    ]) {
      writeFileSync(kept, forged);
      const refused = await runFerry(['audit', 'verify', '--data', dataDir, '--against', kept, '--json']);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    }
  });

  it('says which events verify could not check: those no checkpoint signs yet', async () => {
    const server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    try {
      writeFileSync(join(work, 'a.txt'), 'not signed yet');
      expect((await runFerry(['put', 'a.txt', '--server', server.server], { cwd: work })).code).toBe(0);
      const verified = await runFerry(['audit', 'verify', '--data', dataDir]);
      expect(verified.code).toBe(0);
      const events = readEvents(dataDir).length;
      expect(verified.stdout).toContain(`not checked: events 1 to ${events} are signed by no checkpoint yet`);
    } finally {
      await server.stop();
    }
  });

  it('keeps the name it was given for good: another --log-origin later is refused', async () => {
    await serveOnce('--log-origin', 'example.com/first');
    const refused = await runFerry([
      'serve',
      '--port',
      '0',
      '--data',
      dataDir,
      '--log-origin',
      'example.com/second',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'this audit log is named example.com/first, once and for all: --log-origin example.com/second cannot rename it',
    );
    const badName = await runFerry([
      'serve',
      '--port',
      '0',
      '--data',
      tempDir(),
      '--log-origin',
      'has space',
    ]);
    expect(badName.code).not.toBe(0);
    expect(badName.stderr).toContain('a log name has no spaces and no "+"');
  });
});
