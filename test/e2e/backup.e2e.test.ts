import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryClient } from '../../src/transport/client/ferry-client';
import { readEvents } from '../support/audit-db';
import { runFerry, ServerProcess, startServerProcess } from '../support/ferry-binary';
import { replaceStoredBlob } from '../support/stored-blobs';
import { chunksOf, collector, randomFile, sha256 } from '../support/streams';
import { removeDir, tempDir } from '../support/test-server';

/**
 * `ferry backup` of a data folder while its server takes uploads, and `ferry restore-backup` of it into a
 * new folder: the restored log extends a checkpoint kept before the backup, and its catalogue and bytes
 * are those of the original at the backup's last event.
 */

function addressOf(server: ServerProcess): { host: string; port: number } {
  const [host, port] = server.server.split(':');
  return { host, port: Number(port) };
}

/** One connection uploading files of random sizes, one after another, until told to stop. */
async function keepUploading(server: ServerProcess, writer: number, stop: () => boolean): Promise<number> {
  const client = await FerryClient.connect(addressOf(server));
  let uploads = 0;
  while (!stop()) {
    const body = randomFile(1 + ((uploads * 7919 + writer * 104_729) % 200_000));
    await client.upload(`load/${writer}/${uploads % 25}.bin`, chunksOf(body), body.length);
    uploads++;
  }
  await client.logout();
  return uploads;
}

/** Every live file as name, version, size and SHA-256, as of `at` (an event seq) when given. */
async function listing(server: ServerProcess, at?: number): Promise<string[]> {
  const client = await FerryClient.connect(addressOf(server));
  try {
    const files = await client.list('', at === undefined ? {} : { at: String(at) });
    return files.map((file) => `${file.name} v${file.version} ${file.size} ${file.sha256}`);
  } finally {
    await client.logout();
  }
}

describe('ferry backup and ferry restore-backup', () => {
  const folders: string[] = [];
  const servers: ServerProcess[] = [];
  const folder = (prefix?: string) => {
    const made = tempDir(prefix);
    folders.push(made);
    return made;
  };
  afterAll(async () => {
    for (const server of servers) server.child.kill('SIGKILL');
    for (const made of folders) removeDir(made);
  });

  it('copies a folder under load into one that restores, verifies and holds the same files', async () => {
    const dataDir = folder();
    const work = folder('ferry-backup-work-');
    const server = await startServerProcess([
      '--data',
      dataDir,
      '--log-level',
      'error',
      '--checkpoint-events',
      '5',
    ]);
    servers.push(server);
    const first = await FerryClient.connect(addressOf(server));
    for (let i = 0; i < 12; i++) {
      const body = randomFile(1000 * (i + 1));
      await first.upload(`before/${i}.bin`, chunksOf(body), body.length);
    }
    await first.logout();
    const kept = await runFerry(['audit', 'checkpoint', '--data', dataDir]);
    expect(kept.code).toBe(0);
    writeFileSync(join(work, 'kept-checkpoint.json'), kept.stdout);

    let stopping = false;
    const writers = [0, 1, 2].map((writer) => keepUploading(server, writer, () => stopping));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const backup = join(work, 'backup');
    const backedUp = await runFerry(['backup', '--data', dataDir, '--to', backup]);
    stopping = true;
    const uploads = await Promise.all(writers);
    expect(backedUp.code).toBe(0);
    const events = Number(/backed up (\d+) events/.exec(backedUp.stdout)?.[1]);
    // The load went on before, during and after the copy.
    expect(uploads.every((count) => count > 0)).toBe(true);
    expect(events).toBeGreaterThan(30);
    expect(events).toBeLessThan(readEvents(dataDir).length);
    expect(statSync(join(backup, 'audit-signing-key.pem')).mode & 0o777).toBe(0o600);

    const restored = join(folder('ferry-restored-'), 'data');
    const restoring = await runFerry(['restore-backup', backup, '--data', restored]);
    expect(restoring.stderr).toContain(`restored ${events} events`);
    expect(restoring.code).toBe(0);
    const verified = await runFerry([
      'audit',
      'verify',
      '--data',
      restored,
      '--against',
      join(work, 'kept-checkpoint.json'),
      '--json',
    ]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, events });
    // The restored log is the original's first events, byte for byte.
    expect(readEvents(restored)).toEqual(readEvents(dataDir).slice(0, events));

    const again = await startServerProcess(['--data', restored, '--log-level', 'error']);
    servers.push(again);
    const restoredFiles = await listing(again);
    expect(restoredFiles).toEqual(await listing(server, events));
    expect(restoredFiles.length).toBeGreaterThan(12);
    // And their bytes: every live file downloads and checks out against its recorded SHA-256.
    const client = await FerryClient.connect(addressOf(again));
    for (const line of restoredFiles) {
      const [name, , , recorded] = line.split(' ');
      const bytes = collector();
      await client.download(name, bytes.sink);
      expect(sha256(bytes.bytes())).toBe(recorded);
    }
    await client.logout();
  }, 120_000);

  it('refuses to write into a folder that is not empty, and to restore what is not a finished backup', async () => {
    const dataDir = folder();
    const server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    servers.push(server);
    const busy = folder();
    writeFileSync(join(busy, 'something'), 'here');
    const backedUp = await runFerry(['backup', '--data', dataDir, '--to', busy]);
    expect(backedUp.code).not.toBe(0);
    expect(backedUp.stderr).toMatch(/is not empty/);
    expect(readFileSync(join(busy, 'something'), 'utf8')).toBe('here');

    const target = join(folder(), 'restored');
    const restoring = await runFerry(['restore-backup', dataDir, '--data', target]);
    expect(restoring.code).not.toBe(0);
    expect(restoring.stderr).toMatch(/is not a finished Ferry backup/);
    expect(existsSync(target)).toBe(false);
  }, 60_000);

  it('stops at a blob whose bytes no longer match their SHA-256, and says which', async () => {
    const dataDir = folder();
    const server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    servers.push(server);
    const client = await FerryClient.connect(addressOf(server));
    const body = Buffer.from('bytes that will be damaged');
    await client.upload('damaged.txt', chunksOf(body), body.length);
    await client.logout();
    const digest = sha256(body);
    replaceStoredBlob(dataDir, digest, Buffer.from('something else entirely'));
    const target = join(folder(), 'backup');
    const backedUp = await runFerry(['backup', '--data', dataDir, '--to', target]);
    expect(backedUp.code).not.toBe(0);
    expect(backedUp.stderr).toContain(`blob ${digest} is damaged`);
    // Nothing half-copied stays behind: the folder is ready for another try.
    expect(readdirSync(target)).toEqual([]);
  }, 60_000);
});
