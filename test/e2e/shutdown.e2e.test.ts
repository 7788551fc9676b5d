import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import { verify } from '../support/audited-data-folder';
import { runFerry, ServerProcess, startServerProcess } from '../support/ferry-binary';
import { RawConnection } from '../support/raw-connection';
import { removeDir, tempDir } from '../support/test-server';

/**
 * How a real `ferry serve` process ends: on SIGTERM (transfers in hand finish within the grace, a second
 * signal or the deadline cuts them, and the log is left whole and signed to its last event), and when its
 * audit log cannot be written (it says so once, stops serving and exits 1 for a supervisor to restart it).
 */

const BODY = 4 * 1024 * 1024;

function addressOf(server: ServerProcess): { host: string; port: number } {
  const [host, port] = server.server.split(':');
  return { host, port: Number(port) };
}

/** An upload whose header and first half are sent: the server has it in hand. */
async function uploadHalfway(server: ServerProcess, name: string): Promise<RawConnection> {
  const raw = await RawConnection.open(addressOf(server));
  raw.send(`UPLOAD ${name} ${BODY}\n`);
  raw.send(Buffer.alloc(BODY / 2, 1));
  await pause(300);
  return raw;
}

/** The newest checkpoint covers every event: nothing is left unsigned. */
function signedToTheEnd(dataDir: string): boolean {
  const db = new Database(join(dataDir, 'audit.db'), { readonly: true });
  try {
    const signed = db.prepare('SELECT max(tree_size) FROM checkpoints').pluck().get() as number;
    const events = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
    return signed === events;
  } finally {
    db.close();
  }
}

/** Connects and collects every byte the server sends until it closes the connection. */
async function everythingSaid(address: { host: string; port: number }): Promise<string> {
  const socket = connect(address.port, address.host);
  let said = '';
  socket.on('data', (chunk: Buffer) => (said += chunk.toString()));
  socket.on('error', () => undefined);
  await once(socket, 'close');
  return said;
}

/** Once the fault is gone, a restart serves what was acknowledged before it, and the log verifies. */
async function expectServesAgain(dataDir: string, work: string, servers: ServerProcess[]): Promise<void> {
  const again = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
  servers.push(again);
  const fetched = await runFerry(['get', 'kept.txt', 'again.txt', '--server', again.server], { cwd: work });
  expect(fetched.code).toBe(0);
  expect(readFileSync(join(work, 'again.txt'), 'utf8')).toBe('kept bytes');
  expect(await again.stop('SIGTERM')).toBe(0);
  expect((await verify(dataDir)).json.ok).toBe(true);
}

function serveWithGrace(dataDir: string, seconds: number): Promise<ServerProcess> {
  return startServerProcess(['--data', dataDir, '--log-level', 'error', '--shutdown-grace', String(seconds)]);
}

/** The upload in hand was cut, recorded as such, and the log is whole and signed to its last event. */
async function expectCutAndRecorded(dataDir: string, name: string): Promise<void> {
  const events = readEvents(dataDir);
  expect(events.map((event) => event.type)).toEqual([
    'LogNamed',
    'SessionOpened',
    'CommandRejected',
    'SessionClosed',
  ]);
  expect(events[2].payload).toMatchObject({ command: 'UPLOAD', code: 'SIZE_MISMATCH', name });
  expect(signedToTheEnd(dataDir)).toBe(true);
  expect((await verify(dataDir)).json.ok).toBe(true);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('ferry serve on SIGTERM', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tempDir();
  });
  afterEach(() => removeDir(dataDir));

  it('lets a transfer in hand finish, then exits 0 with the log signed to its last event', async () => {
    const server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    const raw = await uploadHalfway(server, 'finishing.bin');
    const exited = server.stop('SIGTERM');
    await pause(300);
    // No new connection is taken meanwhile.
    await expect(RawConnection.open(addressOf(server))).rejects.toThrow();
    raw.send(Buffer.alloc(BODY / 2, 1));
    const [reply] = await raw.lines(1);
    expect(reply).toMatch(new RegExp(`^OK version=1 size=${BODY} `));
    expect(await exited).toBe(0);
    const types = readEvents(dataDir).map((event) => event.type);
    expect(types).toEqual(['LogNamed', 'SessionOpened', 'FileUploaded', 'SessionClosed']);
    expect(readEvents(dataDir)[3].payload).toMatchObject({ reason: 'shutdown' });
    expect(signedToTheEnd(dataDir)).toBe(true);
    expect((await verify(dataDir)).json.ok).toBe(true);
  }, 30_000);

  it('cuts what has not finished when the grace runs out, still recording it', async () => {
    const server = await serveWithGrace(dataDir, 1);
    await uploadHalfway(server, 'stalled.bin');
    const started = Date.now();
    expect(await server.stop('SIGTERM')).toBe(0);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5000);
    await expectCutAndRecorded(dataDir, 'stalled.bin');
  }, 30_000);

  it('cuts at once on a second SIGTERM, still recording what was cut', async () => {
    const server = await serveWithGrace(dataDir, 60);
    await uploadHalfway(server, 'cut.bin');
    const started = Date.now();
    const exited = server.stop('SIGTERM');
    await pause(300);
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    await expectCutAndRecorded(dataDir, 'cut.bin');
  }, 30_000);
});

describe('ferry serve when its audit log cannot be written', () => {
  it('refuses clearly, says why once, exits 1, and serves again after a restart with nothing lost', async () => {
    const dataDir = tempDir();
    const work = tempDir('ferry-cli-');
    const servers: ServerProcess[] = [];
    try {
      const server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
      servers.push(server);
      writeFileSync(join(work, 'kept.txt'), 'kept bytes');
      const kept = await runFerry(['put', 'kept.txt', '--server', server.server], { cwd: work });
      expect(kept.code).toBe(0);

      // Another process takes the database's write lock and keeps it.
      const intruder = new Database(join(dataDir, 'audit.db'));
      intruder.exec('BEGIN EXCLUSIVE');
      // The greeting itself needs an event: the refusal comes in its place.
      const said = await everythingSaid(addressOf(server));
      expect(said).toMatch(/^ERR STORAGE_FAILED the audit log cannot be written, so nothing was done/);
      const code = await new Promise<number | null>((resolve) => server.child.once('exit', resolve));
      expect(code).toBe(1);
      const failures = server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('ferry: the audit log'));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(/cannot be written \(.*locked.*\); stopping/);
      // It let go of the data folder, so a supervisor's restart is not refused as "in use".
      expect(existsSync(join(dataDir, 'ferry.lock'))).toBe(false);
      intruder.exec('ROLLBACK');
      intruder.close();

      await expectServesAgain(dataDir, work, servers);
    } finally {
      for (const server of servers) server.child.kill('SIGKILL');
      removeDir(dataDir);
      removeDir(work);
    }
  }, 60_000);
});

describe('ferry serve on a file system that fills up (a small tmpfs; needs root)', () => {
  const mountPoint = tempDir('ferry-full-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]).status === 0;
  afterAll(() => {
    if (mounted) spawnSync('umount', [mountPoint]);
    removeDir(mountPoint);
  });
  if (!mounted) {
    it.skip('cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN): skipped', () => undefined);
    return;
  }

  it('refuses with STORAGE_FULL once even the log has no room, exits 1, and serves again once there is room', async () => {
    const dataDir = join(mountPoint, 'data');
    const work = tempDir('ferry-cli-');
    const servers: ServerProcess[] = [];
    try {
      // No reserve: the disk filling up is what is under test.
      const server = await startServerProcess([
        '--data',
        dataDir,
        '--log-level',
        'error',
        '--space-reserve',
        '0',
      ]);
      servers.push(server);
      writeFileSync(join(work, 'kept.txt'), 'kept bytes');
      expect((await runFerry(['put', 'kept.txt', '--server', server.server], { cwd: work })).code).toBe(0);

      const raw = await RawConnection.open(addressOf(server));
      const filler = join(mountPoint, 'filler');
      fillUp(filler);
      // Requests until one cannot be recorded; each is one more event for the log to find room for.
      let refusal: string | undefined;
      for (let round = 0; round < 500 && refusal === undefined; round++) {
        // An empty listing: a one-line reply, and an event.
        raw.send('LIST nothing/\n'.repeat(50));
        const lines = await raw.lines(50);
        refusal = lines.find((line) => line.startsWith('ERR '));
        if (lines.length < 50) break;
      }
      expect(refusal).toMatch(/^ERR STORAGE_FULL the audit log cannot be written/);
      const code = await new Promise<number | null>((resolve) => server.child.once('exit', resolve));
      expect(code).toBe(1);
      expect(server.output()).toMatch(/ferry: the audit log cannot be written \(.*full.*\); stopping/);

      rmSync(filler);
      await expectServesAgain(dataDir, work, servers);
    } finally {
      for (const server of servers) server.child.kill('SIGKILL');
      removeDir(work);
    }
  }, 120_000);
});

/** Writes `path` until the file system has no room left, down to its last few blocks. */
function fillUp(path: string): void {
  const descriptor = openSync(path, 'w');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512]) {
      const block = Buffer.alloc(size);
      try {
        for (;;) writeSync(descriptor, block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(descriptor);
  }
}
