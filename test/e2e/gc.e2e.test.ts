import { mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import { runFerry, startServerProcess } from '../support/ferry-binary';
import { sha256 } from '../support/streams';
import { removeDir, tempDir } from '../support/test-server';

describe('ferry gc', () => {
  it('removes unretained and orphaned bytes, records the run, and the server then refuses those versions', async () => {
    const dataDir = tempDir();
    const work = tempDir('ferry-gc-');
    const put = (server: string, file: string, content: string, name: string) => {
      writeFileSync(join(work, file), content);
      return runFerry(['put', file, name, '--server', server], { cwd: work });
    };
    let server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    await put(server.server, 'one', 'first bytes', 'a.txt');
    await put(server.server, 'two', 'second bytes', 'a.txt');
    await put(server.server, 'three', 'gone soon', 'b.txt');
    await runFerry(['rm', 'b.txt', '--server', server.server]);

    const whileRunning = await runFerry(['gc', '--data', dataDir]);
    expect(whileRunning.code).not.toBe(0);
    expect(whileRunning.stderr).toMatch(/in use/);
    expect(await server.stop()).toBe(0);

    const orphan = sha256(Buffer.from('orphan'));
    mkdirSync(join(dataDir, 'blobs', orphan.slice(0, 2)), { recursive: true });
    writeFileSync(join(dataDir, 'blobs', orphan.slice(0, 2), orphan), 'orphan');
    writeFileSync(join(dataDir, 'tmp', 'stale.part'), 'half an upload');

    const dry = await runFerry(['gc', '--data', dataDir, '--retention-days', '0', '--dry-run']);
    expect(dry.stdout).toMatch(/would remove 3 blob/);
    expect(existsSync(join(dataDir, 'blobs', orphan.slice(0, 2), orphan))).toBe(true);

    const kept = await runFerry(['gc', '--data', dataDir]);
    expect(kept).toMatchObject({ code: 0, stdout: expect.stringMatching(/removed 1 blob/) });
    expect(existsSync(join(dataDir, 'blobs', orphan.slice(0, 2), orphan))).toBe(false);
    expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);

    const collected = await runFerry(['gc', '--data', dataDir, '--retention-days', '0']);
    expect(collected).toMatchObject({ code: 0, stdout: expect.stringMatching(/removed 2 blob/) });
    const gcEvents = readEvents(dataDir).filter((e) => e.type === 'GarbageCollected');
    expect(gcEvents).toHaveLength(2);
    expect(gcEvents[1].payload.versions).toEqual([
      { name: 'a.txt', version: 1 },
      { name: 'b.txt', version: 1 },
    ]);

    server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    const old = await runFerry(['get', 'a.txt', '-', '--version', '1', '--server', server.server]);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/not found/);
    expect((await runFerry(['restore', 'b.txt', '1', '--server', server.server])).code).toBe(1);
    const live = await runFerry(['get', 'a.txt', '-', '--server', server.server]);
    expect(live).toMatchObject({ code: 0, stdout: 'second bytes' });
    expect(await server.stop()).toBe(0);
    removeDir(dataDir);
    removeDir(work);
  });
});
