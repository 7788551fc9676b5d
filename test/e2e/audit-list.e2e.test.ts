import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, FerryEvent } from '../../src/domain/events';
import { EventRow, readEvents } from '../support/audit-db';
import { FERRY_BIN, runFerry, ServerProcess, startServerProcess } from '../support/ferry-binary';
import { removeDir, tempDir } from '../support/test-server';

function jsonLines(stdout: string): FerryEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as FerryEvent);
}

/** Polls the log (a short wait for the server's own append, not a fixed sleep) until `ready` holds. */
async function waitForLog(dataDir: string, ready: (rows: EventRow[]) => boolean): Promise<EventRow[]> {
  for (let tries = 0; tries < 200; tries++) {
    const rows = readEvents(dataDir);
    if (ready(rows)) return rows;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the log never reached the expected state');
}

describe('ferry audit against the log of a real server process', () => {
  let dataDir: string;
  let work: string;
  let server: ServerProcess;
  let log: EventRow[];
  const ferry = (...args: string[]) => runFerry([...args, '--server', server.server], { cwd: work });
  const audit = (...args: string[]) => runFerry(['audit', '--data', dataDir, ...args], { cwd: work });

  beforeAll(async () => {
    dataDir = tempDir();
    work = tempDir('ferry-audit-');
    server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    writeFileSync(join(work, 'a.txt'), 'first');
    writeFileSync(join(work, 'b.txt'), 'second');
    expect((await ferry('put', 'a.txt')).code).toBe(0);
    expect((await ferry('put', 'a.txt')).code).toBe(0);
    expect((await ferry('put', 'b.txt', 'docs/b file.txt')).code).toBe(0);
    expect((await ferry('get', 'a.txt', '-')).code).toBe(0);
    expect((await ferry('rm', 'a.txt')).code).toBe(0);
    expect((await ferry('rm', 'missing.txt')).code).not.toBe(0);
    // Every session has closed, so the log no longer changes under the assertions below.
    log = await waitForLog(dataDir, (rows) => {
      const count = (type: string) => rows.filter((row) => row.type === type).length;
      return count('SessionOpened') === 6 && count('SessionClosed') === 6;
    });
  });

  afterAll(async () => {
    await server.stop();
    removeDir(dataDir);
    removeDir(work);
  });

  it('lists exactly the uploads with --json --type FileUploaded', async () => {
    const result = await audit('--json', '--type', 'FileUploaded');
    expect(result.code).toBe(0);
    const events = jsonLines(result.stdout);
    expect(events.map((event) => event.seq)).toEqual(
      log.filter((row) => row.type === 'FileUploaded').map((row) => row.seq),
    );
    expect(events.map((event) => [event.type, event.payload])).toEqual([
      ['FileUploaded', expect.objectContaining({ name: 'a.txt', version: 1, size: 5 })],
      ['FileUploaded', expect.objectContaining({ name: 'a.txt', version: 2, size: 5 })],
      ['FileUploaded', expect.objectContaining({ name: 'docs/b file.txt', version: 1, size: 6 })],
    ]);
  });

  it('filters by name, actor, session and seq', async () => {
    const byName = jsonLines((await audit('--json', '--name', 'a.txt')).stdout);
    expect(byName.map((event) => event.type)).toEqual([
      'FileUploaded',
      'FileUploaded',
      'FileDownloaded',
      'FileDeleted',
    ]);

    // All but the log's naming, which the server itself recorded.
    expect(jsonLines((await audit('--json', '--actor', 'anonymous')).stdout)).toHaveLength(log.length - 1);
    const nobody = await audit('--json', '--actor', 'nobody');
    expect(nobody).toMatchObject({ code: 0, stdout: '' });

    const refused = log.find((row) => row.type === 'CommandRejected')!;
    const inSession = log.filter((row) => row.session === refused.session).map((row) => row.seq);
    for (const session of [refused.session, refused.session.slice(0, 8)]) {
      const events = jsonLines((await audit('--json', '--session', session)).stdout);
      expect(events.map((event) => event.seq)).toEqual(inSession);
    }

    const since = jsonLines((await audit('--json', '--since', String(refused.seq))).stdout);
    expect(since.map((event) => event.seq)).toEqual(
      log.filter((row) => row.seq >= refused.seq).map((row) => row.seq),
    );
    const combined = jsonLines(
      (await audit('--json', '--type', 'FileUploaded,FileDeleted', '--name', 'a.txt', '--limit', '2')).stdout,
    );
    expect(combined.map((event) => event.type)).toEqual(['FileUploaded', 'FileDeleted']);
  });

  it('prints a table people can read, one row per event', async () => {
    const all = await audit();
    expect(all.code).toBe(0);
    for (const type of ['SessionOpened', 'FileUploaded', 'FileDownloaded', 'FileDeleted', 'CommandRejected'])
      expect(all.stdout).toContain(type);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(log.length + 1);

    const sessions = await audit('--type', 'SessionOpened');
    const rows = sessions.stdout.trimEnd().split('\n').slice(1);
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(row).toMatch(/SessionOpened .*127\.0\.0\.1:\d+/);
  });

  it('refuses a missing data folder with one line on stderr', async () => {
    const missing = join(work, 'no-such-data');
    const result = await runFerry(['audit', '--data', missing]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ferry: [^\n]+\n$/);
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses an unknown type or a malformed time, naming the known types', async () => {
    const unknown = await audit('--type', 'FileEaten');
    expect(unknown.code).not.toBe(0);
    for (const type of EVENT_TYPES) expect(unknown.stderr).toContain(type);
    expect((await audit('--since', 'yesterday')).code).not.toBe(0);
  });

  it('follows the log: prints an event that happens after it started, stops on SIGINT with 0', async () => {
    const child = spawn(
      process.execPath,
      [FERRY_BIN, 'audit', '--data', dataDir, '--follow', '--json', '--type', 'FileUploaded'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stdout = '';
    let waiter: (() => void) | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      waiter?.();
    });
    const lines = () => jsonLines(stdout);
    const until = (ready: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; output so far: ${stdout}`)), 10_000);
        waiter = () => {
          if (!ready()) return;
          clearTimeout(timer);
          resolve();
        };
        waiter();
      });
    try {
      await until(() => lines().length === 3);
      writeFileSync(join(work, 'late.txt'), 'late');
      expect((await ferry('put', 'late.txt')).code).toBe(0);
      await until(() => lines().length === 4);
      expect(lines()[3]).toMatchObject({ type: 'FileUploaded', payload: { name: 'late.txt', version: 1 } });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
