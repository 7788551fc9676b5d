import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import {
  addFerryAccount,
  addFerryKey,
  FerryServerProcess,
  startFerryServer,
} from './lib/ferry-server-process';
import {
  childPids,
  cpuMs,
  elapsedMs,
  now,
  peakRssKiB,
  resetPeakRss,
  rssKiB,
  run,
  sleep,
} from './lib/processes';
import { writeRandomFile } from './lib/random-file';
import { figure, heading, note, rateFigure, ratioFigure } from './lib/report';
import { ensureSshdInstalled, makeEd25519Key, Sshd, startSshd } from './lib/sshd-process';
import { median, megabytesPerSecond, MiB } from './lib/stats';

/**
 * 256 MiB put and get through OpenSSH's `sftp` client in batch mode (`sftp -b`), against Ferry's SFTP
 * server (a real `ferry serve --sftp-port 0` child, disk storage, public-key login) and against OpenSSH's
 * sshd (`Subsystem sftp internal-sftp`, private config) on another 127.0.0.1 port. Same client key, same
 * local file, same client options; the rounds alternate which server goes first. Each get is compared
 * byte for byte with the original, and a round whose transfer failed or differs gives no sample.
 */

export interface SftpOptions {
  readonly reps: number;
}

const SIZE = 256 * MiB;
const TRANSFER_TIMEOUT_MS = 300_000;
const FERRY_USER = 'bench';

type Samples = Record<string, number[]>;

interface Target {
  readonly label: 'ferry' | 'sshd';
  readonly user: string;
  readonly port: number;
  /** Where the file goes on the server, as the client names it. */
  readonly remote: string;
  /** The server process: its CPU time is sampled per phase, and for Ferry its peak RSS. */
  readonly pid: number;
  /**
   * sshd forks a process per connection (which does the crypto and internal-sftp): its CPU time is counted
   * in the listener's cutime/cstime once it has exited and been waited for.
   */
  readonly forks: boolean;
}

export async function sftpBenchmark(options: SftpOptions): Promise<void> {
  heading('sftp: OpenSSH sftp -b, 256 MiB put and get, Ferry SFTP against OpenSSH sshd (internal-sftp)');
  if (!(await ensureSshdInstalled())) {
    note('sftp: no sshd; benchmark skipped');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-sftp-'));
  let ferry: FerryServerProcess | undefined;
  let sshd: Sshd | undefined;
  try {
    const clientKey = join(work, 'client_ed25519');
    await makeEd25519Key(clientKey, 'ferry-bench');
    const authorizedKeys = join(work, 'authorized_keys');
    writeFileSync(authorizedKeys, readFileSync(`${clientKey}.pub`, 'utf8'), { mode: 0o600 });
    const local = join(work, '256m.bin');
    writeRandomFile(local, SIZE);

    const dataDir = join(work, 'ferry-data');
    addFerryAccount(dataDir, FERRY_USER, `bench-${Date.now()}-password`, 'write');
    addFerryKey(dataDir, FERRY_USER, `${clientKey}.pub`);
    ferry = await startFerryServer(dataDir, ['--sftp-port', '0']);
    if (ferry.sftpPort === undefined) throw new Error('ferry serve did not report its SFTP port');
    const sshdRemote = join(work, 'sshd-files');
    rmSync(sshdRemote, { recursive: true, force: true });
    mkdirSync(sshdRemote);
    sshd = await startSshd(work, authorizedKeys);
    note(
      `ferry serve pid ${ferry.pid}, SFTP on 127.0.0.1:${ferry.sftpPort}; sshd pid ${sshd.pid} on 127.0.0.1:${sshd.port}`,
    );

    const targets: Target[] = [
      {
        label: 'ferry',
        user: FERRY_USER,
        port: ferry.sftpPort,
        remote: '/bench/256m.bin',
        pid: ferry.pid,
        forks: false,
      },
      {
        label: 'sshd',
        user: userInfo().username,
        port: sshd.port,
        remote: join(sshdRemote, '256m.bin'),
        pid: sshd.pid,
        forks: true,
      },
    ];
    for (const target of targets) await describeCipher(work, clientKey, target);
    const idle = rssKiB(ferry.pid);

    const samples: Samples = {};
    for (let rep = 0; rep < options.reps; rep++) {
      const order = rep % 2 === 0 ? targets : [...targets].reverse();
      note(`round ${rep + 1}/${options.reps}: ${order.map((t) => t.label).join(' then ')}`);
      for (const target of order) await round(samples, work, clientKey, local, target);
    }
    report(samples, idle);
  } finally {
    await sshd?.stop();
    if (ferry) {
      const code = await ferry.stop();
      if (code !== 0) note(`ferry serve exited ${code}`);
    }
    rmSync(work, { recursive: true, force: true });
  }
}

function sftpArgs(work: string, clientKey: string, target: Target, batch: string): string[] {
  return [
    '-F',
    'none',
    '-i',
    clientKey,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    `UserKnownHostsFile=${join(work, 'known_hosts')}`,
    '-o',
    'LogLevel=ERROR',
    '-P',
    String(target.port),
    '-b',
    batch,
    `${target.user}@127.0.0.1`,
  ];
}

/** Runs one batch; the elapsed ms, or undefined (and a note) if sftp failed. */
async function sftpBatch(
  work: string,
  clientKey: string,
  target: Target,
  what: string,
  commands: string,
): Promise<number | undefined> {
  const batch = join(work, `batch-${target.label}-${what}`);
  writeFileSync(batch, commands);
  const started = now();
  const result = await run('sftp', sftpArgs(work, clientKey, target, batch), TRANSFER_TIMEOUT_MS);
  const ms = elapsedMs(started);
  if (result.code !== 0) {
    note(
      `  ${target.label} ${what} failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
    return undefined;
  }
  return ms;
}

/** One `sftp -v` connection per server, to note which cipher and MAC the two ends agreed on. */
async function describeCipher(work: string, clientKey: string, target: Target): Promise<void> {
  const batch = join(work, `batch-${target.label}-pwd`);
  writeFileSync(batch, 'pwd\n');
  const args = sftpArgs(work, clientKey, target, batch).map((arg) =>
    arg === 'LogLevel=ERROR' ? 'LogLevel=DEBUG' : arg,
  );
  const result = await run('sftp', args, 60_000);
  const cipher = /kex: server->client cipher: (\S+) MAC: (\S+)/.exec(result.stderr);
  const kex = /kex: algorithm: (\S+)/.exec(result.stderr);
  note(
    `  ${target.label}: ${result.code === 0 ? 'login ok' : `login FAILED (exit ${result.code})`}, ` +
      `cipher ${cipher?.[1] ?? '?'}, MAC ${cipher?.[2] ?? '?'}, kex ${kex?.[1] ?? '?'}`,
  );
  if (result.code !== 0)
    throw new Error(
      `sftp to ${target.label} failed: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
}

async function round(
  samples: Samples,
  work: string,
  clientKey: string,
  local: string,
  target: Target,
): Promise<void> {
  const back = join(work, `back-${target.label}.bin`);
  rmSync(back, { force: true });
  const phase = async (key: string, commands: string): Promise<number | undefined> => {
    // sshd's put leaves 256 MiB unwritten in the page cache (Ferry's is on disk before its OK): written
    // back some 30 s later, in whichever phase runs then, it slowed that one by up to half. Each phase
    // starts with nothing to write back.
    await run('sync', []);
    const ferry = target.label === 'ferry';
    if (ferry) resetPeakRss(target.pid);
    await reaped(target);
    const cpuBefore = cpuMs(target.pid, target.forks);
    const ms = await sftpBatch(work, clientKey, target, key, commands);
    if (ferry) push(samples, `${target.label}_rss_${key}`, peakRssKiB(target.pid));
    await reaped(target);
    const cpuAfter = cpuMs(target.pid, target.forks);
    const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    if (ms !== undefined) push(samples, `${target.label}_cpu_${key}`, cpu);
    return ms;
  };
  const putMs = await phase('put', `put ${local} ${target.remote}\n`);
  push(samples, `${target.label}_put`, putMs);
  const getMs = await phase('get', `get ${target.remote} ${back}\n`);
  let verified = false;
  if (getMs !== undefined) {
    const size = statSync(back, { throwIfNoEntry: false })?.size;
    const same = await run('cmp', ['-s', local, back]);
    verified = size === SIZE && same.code === 0;
    if (!verified)
      note(`  ${target.label} get: the bytes differ from the original (size ${size}); sample dropped`);
  }
  push(samples, `${target.label}_get`, verified ? getMs : undefined);
  rmSync(back, { force: true });
  note(
    `  ${target.label}: put ${fmt(putMs)}, get ${verified ? fmt(getMs) : 'failed'}` +
      (verified ? ' (bytes verified)' : ''),
  );
}

/** sshd's connection process exits just after the client: waits (at most 5 s) until it has been reaped. */
async function reaped(target: Target): Promise<void> {
  for (let i = 0; target.forks && i < 100 && childPids(target.pid).length > 0; i++) await sleep(50);
}

function fmt(ms: number | undefined): string {
  return ms === undefined
    ? 'failed'
    : `${Math.round(ms)} ms = ${Math.round(megabytesPerSecond(SIZE, ms))} MB/s`;
}

function push(samples: Samples, key: string, value: number | undefined): void {
  samples[key] ??= [];
  if (value !== undefined) samples[key].push(value);
}

function report(s: Samples, idleKiB: number | undefined): void {
  note(
    '256 MiB of random bytes; sftp -b with its defaults (32 KiB requests, 64 in flight); one connection per transfer:',
  );
  const rate = (ms: number) => megabytesPerSecond(SIZE, ms);
  const ferryPut = rateFigure('ferry_sftp_put_256m', 'MB/s', s.ferry_put ?? [], rate);
  const sshdPut = rateFigure('sshd_sftp_put_256m', 'MB/s', s.sshd_put ?? [], rate);
  const ferryGet = rateFigure('ferry_sftp_get_256m', 'MB/s', s.ferry_get ?? [], rate);
  const sshdGet = rateFigure('sshd_sftp_get_256m', 'MB/s', s.sshd_get ?? [], rate);
  ratioFigure('ferry_sftp_put_256m_vs_sshd', ferryPut, sshdPut);
  ratioFigure('ferry_sftp_get_256m_vs_sshd', ferryGet, sshdGet);
  note(
    'server CPU time (user + system) per transfer; for sshd, its connection process, reaped by the listener:',
  );
  for (const label of ['ferry', 'sshd'] as const) {
    for (const key of ['put', 'get'] as const) {
      const values = s[`${label}_cpu_${key}`] ?? [];
      figure({
        name: `${label}_sftp_server_cpu_${key}_256m`,
        value: values.length > 0 ? median(values) : 'NA',
        unit: 'ms',
        samples: values,
      });
    }
  }
  const mib = (key: string) => (s[key] ?? []).map((kib) => kib / 1024);
  if (idleKiB !== undefined)
    figure({ name: 'ferry_sftp_server_rss_idle', value: idleKiB / 1024, unit: 'MiB' });
  for (const [key, name] of [
    ['ferry_rss_put', 'ferry_sftp_server_peak_rss_put_256m'],
    ['ferry_rss_get', 'ferry_sftp_server_peak_rss_get_256m'],
  ] as const) {
    const values = mib(key);
    figure({ name, value: values.length > 0 ? median(values) : 'NA', unit: 'MiB', samples: values });
  }
  const pct = (a: number | 'NA', b: number | 'NA') =>
    a === 'NA' || b === 'NA' ? 'NA' : `${Math.round((100 * a) / b)}%`;
  note(
    `summary: Ferry put ${pct(ferryPut, sshdPut)} and get ${pct(ferryGet, sshdGet)} of sshd's speed ` +
      `(Ferry hashes and fsyncs every upload; internal-sftp writes without fsync).`,
  );
}
