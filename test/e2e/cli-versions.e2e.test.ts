import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import { binaryServerFixture, runFerry } from '../support/ferry-binary';
import { FlakyProxy } from '../support/flaky-proxy';
import { removeDir, tempDir } from '../support/test-server';

describe('the ferry binary: versions, history, restore, time travel and retries', () => {
  const fixture = binaryServerFixture(tempDir, removeDir);
  const ferry = fixture.ferry;

  it('stat, history, get --version, restore and ls --at', async () => {
    writeFileSync(join(fixture.work, 'v1.txt'), 'version one');
    writeFileSync(join(fixture.work, 'v2.txt'), 'version two');
    expect((await ferry('put', 'v1.txt', 'notes.txt')).code).toBe(0);
    const listedAt = JSON.parse((await ferry('stat', 'notes.txt', '--json')).stdout) as { at: string };
    expect((await ferry('put', 'v2.txt', 'notes.txt', '--if-version', '1')).code).toBe(0);

    const stat = JSON.parse((await ferry('stat', 'notes.txt', '--json')).stdout) as {
      version: number;
      size: number;
    };
    expect(stat).toMatchObject({ version: 2, size: 11 });
    expect((await ferry('stat', 'notes.txt')).stdout).toMatch(/version:\s+2/);

    expect((await ferry('get', 'notes.txt', 'old.txt', '--version', '1')).code).toBe(0);
    expect(readFileSync(join(fixture.work, 'old.txt'), 'utf8')).toBe('version one');

    expect((await ferry('rm', 'notes.txt', '--if-version', '2')).code).toBe(0);
    const restore = await ferry('restore', 'notes.txt', '1');
    expect(restore).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('version 3 (restored from version 1)'),
    });
    const again = JSON.parse((await ferry('put', 'v2.txt', 'notes.txt', '--json')).stdout);
    expect(again).toMatchObject({ name: 'notes.txt', version: 4, size: 11 });
    const fetched = JSON.parse((await ferry('get', 'notes.txt', 'latest.txt', '--json')).stdout);
    expect(fetched).toMatchObject({ version: 4, local: 'latest.txt' });
    const removed = JSON.parse((await ferry('rm', 'notes.txt', '--json')).stdout);
    expect(removed).toEqual({ name: 'notes.txt', deletedVersion: 4 });
    const restoredAgain = JSON.parse((await ferry('restore', 'notes.txt', '1', '--json')).stdout);
    expect(restoredAgain).toMatchObject({ version: 5, fromVersion: 1 });

    const history = (await ferry('history', 'notes.txt', '--json')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(history.map((h: { action: string; version: number }) => `${h.action} ${h.version}`)).toEqual([
      'uploaded 1',
      'uploaded 2',
      'deleted 2',
      'restored 3',
      'uploaded 4',
      'deleted 4',
      'restored 5',
    ]);
    expect((await ferry('history', 'notes.txt')).stdout).toContain('restored');

    const past = await ferry('ls', '--at', listedAt.at, '--json');
    expect(
      past.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).version),
    ).toEqual([1]);
  });

  it('refuses a stale --if-version with VERSION_CONFLICT and changes nothing', async () => {
    writeFileSync(join(fixture.work, 'c.txt'), 'c');
    expect((await ferry('put', 'c.txt', 'conflict.txt', '--if-version', '0')).code).toBe(0);
    const stale = await ferry('put', 'c.txt', 'conflict.txt', '--if-version', '0');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/VERSION_CONFLICT/);
    const rm = await ferry('rm', 'conflict.txt', '--if-version', '7');
    expect(rm.stderr).toMatch(/VERSION_CONFLICT/);
    expect(JSON.parse((await ferry('stat', 'conflict.txt', '--json')).stdout).version).toBe(1);
  });

  it('retries after a dropped connection without uploading twice', async () => {
    const proxy = await FlakyProxy.start(
      { host: fixture.server.server.split(':')[0], port: Number(fixture.server.server.split(':')[1]) },
      1,
    );
    writeFileSync(join(fixture.work, 'retry.txt'), 'retry me');
    const put = await runFerry(['put', 'retry.txt', 'retried.txt', '--server', proxy.address], {
      cwd: fixture.work,
    });
    await proxy.close();
    expect(put).toMatchObject({ code: 0, stdout: expect.stringContaining('retried.txt version 1') });
    const events = readEvents(fixture.dataDir);
    const uploads = events.filter((e) => e.type === 'FileUploaded' && e.payload.name === 'retried.txt');
    expect(uploads).toHaveLength(1);
    const replays = events.filter((e) => e.type === 'RequestReplayed');
    expect(replays.map((e) => e.payload.originalSeq)).toContain(uploads[0].seq);
  });
});
