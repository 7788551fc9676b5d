import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PASSWORD } from '../support/accounts';
import { readEvents } from '../support/audit-db';
import { runFerry, ServerProcess, startServerProcess } from '../support/ferry-binary';
import { sftpBatch } from '../support/sftp-server';
import { removeDir, tempDir } from '../support/test-server';

/**
 * A 1 GiB put and get over SFTP, against a real `ferry serve` process: the server streams both ways, so
 * its resident memory stays under 150 MiB, and the bytes come back as they went. Each phase's peak
 * includes its password login: argon2 takes a 19 MiB pool for some tens of milliseconds, too briefly for
 * the 100 ms sampling to see, which is why VmHWM (reset before each phase) is checked as well.
 */

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
const RSS_LIMIT = 150 * MiB;
const TRANSFER_TIMEOUT_MS = 2 * 60_000;

jest.setTimeout(5 * 60_000);

let dataDir: string | undefined;
let work: string | undefined;
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop();
  // Some 3 GiB: the local file, its copy in the data folder and the one fetched back.
  if (work) removeDir(work);
  if (dataDir) removeDir(dataDir);
});

/** Writes `size` bytes (a random 1 MiB block, each copy stamped with its index) and returns their SHA-256. */
async function writeLargeFile(path: string, size: number): Promise<string> {
  const block = randomBytes(MiB);
  const hash = createHash('sha256');
  async function* blocks() {
    for (let index = 0; index * MiB < size; index++) {
      const chunk = Buffer.from(block.subarray(0, Math.min(MiB, size - index * MiB)));
      chunk.writeUInt32BE(index, 0);
      hash.update(chunk);
      yield chunk;
    }
  }
  await pipeline(blocks(), createWriteStream(path));
  return hash.digest('hex');
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Resident memory of a process from /proc: now (VmRSS) and its peak since start or last reset (VmHWM). */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024 };
}

/** Resets the peak (VmHWM) to the current RSS; false if the kernel does not allow it. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Runs `work` while sampling the process's RSS; returns the largest sample and the peak /proc reports. */
async function measured<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T; rss: number; hwm: number; seconds: number; peakAt: number; trace: number[] }> {
  const reset = resetPeak(pid);
  const begun = Date.now();
  let rss = memoryOf(pid).rss;
  /** RSS in MiB every 2 s, to tell a plateau from a growth with the bytes moved. */
  const trace: number[] = [];
  let ticks = 0;
  let peakAt = 0;
  const timer = setInterval(() => {
    try {
      const now = memoryOf(pid).rss;
      if (now > rss) peakAt = (Date.now() - begun) / 1000;
      rss = Math.max(rss, now);
      if (ticks++ % 20 === 0) trace.push(Math.round(now / MiB));
    } catch {
      // The process ended; the test notices it by the transfer failing.
    }
  }, 100);
  try {
    const result = await work();
    const now = memoryOf(pid);
    rss = Math.max(rss, now.rss);
    // Without a reset, the peak is the process's since it started: still an upper bound.
    const hwm = reset ? now.hwm : Math.max(now.hwm, rss);
    return { result, rss, hwm, seconds: (Date.now() - begun) / 1000, peakAt, trace };
  } finally {
    clearInterval(timer);
  }
}

function cmp(a: string, b: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('cmp', [a, b], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function sftpPort(ferry: ServerProcess): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const match = /Ferry SFTP listening on 127\.0\.0\.1:(\d+)/.exec(ferry.output());
    if (match) return Number(match[1]);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no SFTP line: ${ferry.output()}`);
}

test('a 1 GiB put and get over SFTP keep the server process under 150 MiB resident', async () => {
  const started = Date.now();
  dataDir = tempDir('ferry-sftp-large-data-');
  work = tempDir('ferry-sftp-large-');
  const original = join(work, 'big.bin');
  const fetched = join(work, 'big.back.bin');

  const sha256 = await writeLargeFile(original, SIZE);
  expect(statSync(original).size).toBe(SIZE);

  const added = await runFerry(
    ['user', 'add', 'alice', '--role', 'write', '--data', dataDir, '--password-stdin'],
    {
      input: `${PASSWORD}\n`,
    },
  );
  expect(added.code).toBe(0);

  server = await startServerProcess(
    ['--host', '127.0.0.1', '--data', dataDir, '--store', 'disk', '--sftp-port', '0', '--log-level', 'error'],
    // The server's own heap is what is measured, not a larger one a developer's NODE_OPTIONS might give.
    { NODE_OPTIONS: '' },
  );
  const pid = server.child.pid!;
  const port = await sftpPort(server);
  const idle = memoryOf(pid);

  const put = await measured(pid, () =>
    sftpBatch(port, 'alice', PASSWORD, [`put ${original} big.bin`], work, TRANSFER_TIMEOUT_MS),
  );
  expect(put.result).toMatchObject({ code: 0 });

  const get = await measured(pid, () =>
    sftpBatch(port, 'alice', PASSWORD, [`get big.bin ${fetched}`], work, TRANSFER_TIMEOUT_MS),
  );
  expect(get.result).toMatchObject({ code: 0 });
  const peak = memoryOf(pid).hwm;

  const mib = (bytes: number) => +(bytes / MiB).toFixed(1);
  const phase = (m: typeof put) => ({
    sampledRssMiB: mib(m.rss),
    peakMiB: mib(m.hwm),
    s: m.seconds,
    peakAtS: m.peakAt,
    trace: m.trace,
  });
  const report = {
    idleRssMiB: mib(idle.rss),
    put: phase(put),
    get: phase(get),
    processPeakMiB: mib(peak),
    totalS: (Date.now() - started) / 1000,
  };
  console.log(`SFTP 1 GiB memory: ${JSON.stringify(report)}`);

  expect(await cmp(original, fetched)).toEqual({ code: 0, output: '' });
  expect(await sha256Of(fetched)).toBe(sha256);

  expect(put.rss).toBeLessThan(RSS_LIMIT);
  expect(put.hwm).toBeLessThan(RSS_LIMIT);
  expect(get.rss).toBeLessThan(RSS_LIMIT);
  expect(get.hwm).toBeLessThan(RSS_LIMIT);

  expect(await server.stop()).toBe(0);
  server = undefined;
  const uploads = readEvents(dataDir).filter((event) => event.type === 'FileUploaded');
  expect(uploads).toHaveLength(1);
  expect(uploads[0]).toMatchObject({
    actor: 'alice',
    payload: { name: 'big.bin', version: 1, size: SIZE, sha256 },
  });
  const downloads = readEvents(dataDir).filter((event) => event.type === 'FileDownloaded');
  expect(downloads).toHaveLength(1);
  expect(downloads[0]).toMatchObject({ payload: { name: 'big.bin', sha256, bytes: SIZE, complete: true } });
});
