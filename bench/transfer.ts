import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FerryClient } from '../src/transport/client/ferry-client';
import { FerryServerProcess, startFerryServer } from './lib/ferry-server-process';
import { elapsedMs, now, peakRssKiB, resetPeakRss, rssKiB } from './lib/processes';
import { figure, heading, note, rateFigure, ratioFigure } from './lib/report';
import { GiB, KiB, median, megabytesPerSecond, MiB, perSecond } from './lib/stats';
import { ddWriteMs, netPipe, sha256Ms } from './transfer-ceilings';
import { startVsftpd, Vsftpd } from './transfer-peers';
import { BENCH_ROOT } from './lib/bench-root';

/**
 * Transfers through a real `ferry serve` (a child process, disk storage, 127.0.0.1, port 0) with
 * FerryClient in this process: 1 GiB and 64 MiB up and down, 1,000 x 4 KiB on one connection
 * (sequential and pipelined) and on 8. The machine's ceilings (loopback pipe, SHA-256, fsync'd disk
 * write) are measured in the same rounds, alternating with Ferry, so the ratios compare like with like.
 */

export interface TransferOptions {
  readonly peers: boolean;
  readonly reps: number;
}

const WORK = join(BENCH_ROOT, 'transfer');
const BIG = join(BENCH_ROOT, '1g.bin');
const SMALL_DIR = join(BENCH_ROOT, 'small');
const SMALL_COUNT = 1000;
const SMALL_SIZE = 4 * KiB;
const MID = 64 * MiB;
/** The CLI's read size (src/cli/local-files.ts). */
const CLIENT_READ = 256 * KiB;
const PARALLEL_CONNECTIONS = 8;
const TRANSFER_TIMEOUT_MS = 180_000;
/** As baselines.sh REPS_SMALL: the 1,000-file runs are the noisiest figures. */
const SMALL_REPS = 7;

type Samples = Record<string, number[]>;

export async function transferBenchmark(options: TransferOptions): Promise<void> {
  heading('transfer: ferry serve over loopback, with the machine ceilings side by side');
  mkdirSync(WORK, { recursive: true });
  ensureBigFile();
  const bodies = ensureSmallFiles();
  await warmPageCache(BIG);
  const peers = options.peers ? await startVsftpd(WORK) : undefined;
  if (!options.peers) note('peer figures (vsftpd) skipped: run with --peers to include them');
  try {
    const large = await largeRounds(options.reps, peers);
    reportLarge(large, peers !== undefined);
    const small = await smallRounds(Math.max(options.reps, SMALL_REPS), bodies, peers);
    reportSmall(small, peers !== undefined);
  } finally {
    await peers?.stop();
    rmSync(join(WORK, 'disk.bin'), { force: true });
  }
}

// ------------------------------------------------------------------ data

function ensureBigFile(): void {
  if (existsSync(BIG) && statSync(BIG).size === GiB) return;
  note(`creating ${BIG} (1 GiB of random bytes)`);
  const chunk = Buffer.alloc(MiB);
  const fd = openSync(BIG, 'w');
  try {
    for (let i = 0; i < 1024; i++) writeSync(fd, randomFillSync(chunk));
  } finally {
    closeSync(fd);
  }
}

/** 1,000 files of 4 KiB of random bytes on disk (curl reads them from there); Ferry gets the same bytes. */
function ensureSmallFiles(): Buffer[] {
  const names = Array.from({ length: SMALL_COUNT }, (_, i) => `f${String(i + 1).padStart(4, '0')}.bin`);
  const complete =
    existsSync(SMALL_DIR) &&
    readdirSync(SMALL_DIR).length === SMALL_COUNT &&
    names.every((name) => existsSync(join(SMALL_DIR, name)));
  if (!complete) {
    rmSync(SMALL_DIR, { recursive: true, force: true });
    mkdirSync(SMALL_DIR, { recursive: true });
    for (const name of names) writeFileSync(join(SMALL_DIR, name), randomFillSync(Buffer.alloc(SMALL_SIZE)));
  }
  return names.map((name) => readFileSync(join(SMALL_DIR, name)));
}

async function warmPageCache(file: string): Promise<void> {
  const handle = await open(file, 'r');
  const buffer = Buffer.alloc(4 * MiB);
  try {
    while ((await handle.read(buffer, 0, buffer.length, null)).bytesRead > 0);
  } finally {
    await handle.close();
  }
}

function discard(): Writable {
  return new Writable({ highWaterMark: MiB, write: (_chunk, _encoding, callback) => callback() });
}

async function* bodyOf(buffer: Buffer): AsyncIterable<Uint8Array> {
  yield buffer;
}

function withTimeout<T>(work: Promise<T>, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${label} took over ${TRANSFER_TIMEOUT_MS} ms`)),
      TRANSFER_TIMEOUT_MS,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function push(samples: Samples, key: string, value: number | undefined): void {
  samples[key] ??= [];
  if (value !== undefined) samples[key].push(value);
}

// ------------------------------------------------------------------ large files

/** One round per rep: ceilings and Ferry interleaved, so a noisy minute hits both alike. */
async function largeRounds(reps: number, peers: Vsftpd | undefined): Promise<Samples> {
  const samples: Samples = {};
  for (let rep = 0; rep < reps; rep++) {
    note(`large-file round ${rep + 1}/${reps}`);
    push(samples, 'pipe1M', (await netPipe(BIG, MiB, GiB))?.serverMs);
    push(samples, 'pipe256K', (await netPipe(BIG, CLIENT_READ, GiB))?.serverMs);
    await ferryLargeRound(samples, rep);
    if (peers) {
      push(samples, 'vsftpdUp', await peers.upload1g(BIG));
      push(samples, 'vsftpdDown', await peers.download1g());
    }
    push(samples, 'sha', await sha256Ms());
    push(samples, 'ddHot', await ddWriteMs(BIG, join(WORK, 'disk.bin'), false));
    push(samples, 'ddCold', await ddWriteMs(BIG, join(WORK, 'disk.bin'), true));
  }
  return samples;
}

/** A fresh server per round, so each phase's peak RSS is its own (VmHWM is also reset between phases). */
async function ferryLargeRound(samples: Samples, rep: number): Promise<void> {
  const dataDir = join(WORK, `data-large-${rep}`);
  rmSync(dataDir, { recursive: true, force: true });
  const server = await startFerryServer(dataDir);
  try {
    const client = await FerryClient.connect(server);
    push(samples, 'rssIdle', rssKiB(server.pid));
    const phase = async (key: string, work: () => Promise<unknown>) => {
      resetPeakRss(server.pid);
      const started = now();
      await withTimeout(work(), key);
      push(samples, key, elapsedMs(started));
      push(samples, `rss_${key}`, peakRssKiB(server.pid));
    };
    const stream = (end: number) =>
      createReadStream(BIG, { start: 0, end: end - 1, highWaterMark: CLIENT_READ });
    await phase('up64', () => client.upload('bench/64m.bin', stream(MID), MID));
    await phase('down64', () => client.download('bench/64m.bin', discard()));
    await phase('up1g', () => client.upload('bench/1g.bin', stream(GiB), GiB));
    await phase('down1g', () => client.download('bench/1g.bin', discard()));
    await client.logout();
  } finally {
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function stopServer(server: FerryServerProcess): Promise<void> {
  const code = await server.stop();
  if (code !== 0) note(`ferry serve exited ${code}`);
}

function reportLarge(s: Samples, peers: boolean): void {
  note(
    '1 GiB (random bytes; the client streams the file with 256 KiB reads, downloads into a discarding Writable):',
  );
  const rate = (bytes: number) => (ms: number) => megabytesPerSecond(bytes, ms);
  const pipe = rateFigure('node_net_pipe_hwm1MiB_1g', 'MB/s', s.pipe1M, rate(GiB));
  const pipe256 = rateFigure('node_net_pipe_hwm256KiB_1g', 'MB/s', s.pipe256K, rate(GiB));
  const sha = rateFigure('node_sha256_1g', 'MB/s', s.sha, rate(GiB));
  const hot = rateFigure('disk_write_fsync_1g_hot', 'MB/s', s.ddHot, rate(GiB));
  const cold = rateFigure('disk_write_fsync_1g_cold', 'MB/s', s.ddCold, rate(GiB));
  const up = rateFigure('ferry_upload_1g', 'MB/s', s.up1g, rate(GiB));
  const down = rateFigure('ferry_download_1g', 'MB/s', s.down1g, rate(GiB));
  rateFigure('ferry_upload_64m', 'MB/s', s.up64, rate(MID));
  rateFigure('ferry_download_64m', 'MB/s', s.down64, rate(MID));
  ratioFigure('ferry_upload_1g_vs_net_pipe_1MiB', up, pipe);
  ratioFigure('ferry_upload_1g_vs_net_pipe_256KiB', up, pipe256);
  ratioFigure('ferry_upload_1g_vs_sha256', up, sha);
  ratioFigure('ferry_upload_1g_vs_disk_fsync_hot', up, hot);
  ratioFigure('ferry_upload_1g_vs_disk_fsync_cold', up, cold);
  ratioFigure('ferry_download_1g_vs_net_pipe_1MiB', down, pipe);
  ratioFigure('ferry_download_1g_vs_sha256', down, sha);
  let vsftpdUp: number | 'NA' = 'NA';
  let vsftpdDown: number | 'NA' = 'NA';
  if (peers) {
    vsftpdUp = rateFigure('vsftpd_upload_1g', 'MB/s', s.vsftpdUp, rate(GiB));
    vsftpdDown = rateFigure('vsftpd_download_1g', 'MB/s', s.vsftpdDown, rate(GiB));
    ratioFigure('ferry_upload_1g_vs_vsftpd', up, vsftpdUp);
    ratioFigure('ferry_download_1g_vs_vsftpd', down, vsftpdDown);
  }
  note('server peak RSS (VmHWM, reset before each phase) against its RSS when idle:');
  const mib = (key: string) => (s[key] ?? []).map((kib) => kib / 1024);
  figure({
    name: 'ferry_server_rss_idle',
    value: median(mib('rssIdle')),
    unit: 'MiB',
    samples: mib('rssIdle'),
  });
  for (const [key, name] of [
    ['rss_up64', 'ferry_server_peak_rss_upload_64m'],
    ['rss_up1g', 'ferry_server_peak_rss_upload_1g'],
    ['rss_down64', 'ferry_server_peak_rss_download_64m'],
    ['rss_down1g', 'ferry_server_peak_rss_download_1g'],
  ] as const) {
    figure({ name, value: median(mib(key)), unit: 'MiB', samples: mib(key) });
  }
  const pct = (value: number | 'NA', of: number | 'NA') =>
    value === 'NA' || of === 'NA' ? 'NA' : `${Math.round((100 * value) / of)}%`;
  note(
    `summary: a 1 GiB upload runs at ${fmtRate(up)} = ${pct(up, pipe)} of the loopback pipe, ` +
      `${pct(up, hot)} of a hot / ${pct(up, cold)} of a cold fsync'd disk write, ${pct(up, sha)} of SHA-256; ` +
      `a download at ${fmtRate(down)} = ${pct(down, pipe)} of the pipe` +
      (peers
        ? `; vsftpd: upload ${pct(up, vsftpdUp)}, download ${pct(down, vsftpdDown)} of its speed.`
        : '.'),
  );
}

function fmtRate(value: number | 'NA'): string {
  return value === 'NA' ? 'NA' : `${Math.round(value)} MB/s`;
}

// ------------------------------------------------------------------ small files

async function smallRounds(reps: number, bodies: Buffer[], peers: Vsftpd | undefined): Promise<Samples> {
  const samples: Samples = {};
  const dataDir = join(WORK, 'data-small');
  rmSync(dataDir, { recursive: true, force: true });
  const server = await startFerryServer(dataDir);
  const names = bodies.map((_, i) => `small/f${String(i + 1).padStart(4, '0')}.bin`);
  let round = 0;
  // Each upload round sends new content (a round number in the first bytes), as new versions would.
  const contentOf = (i: number) => {
    const body = Buffer.from(bodies[i]);
    body.writeUInt32LE(round, 0);
    return body;
  };
  try {
    const client = await FerryClient.connect(server);
    const clients = await Promise.all(
      Array.from({ length: PARALLEL_CONNECTIONS }, () => FerryClient.connect(server)),
    );
    const uploadSequential = async () => {
      for (let i = 0; i < names.length; i++) await client.upload(names[i], bodyOf(contentOf(i)), SMALL_SIZE);
    };
    const uploadPipelined = async () => {
      await Promise.all(names.map((name, i) => client.upload(name, bodyOf(contentOf(i)), SMALL_SIZE)));
    };
    const uploadParallel = async () => {
      await Promise.all(
        clients.map(async (c, k) => {
          for (let i = k; i < names.length; i += clients.length)
            await c.upload(names[i], bodyOf(contentOf(i)), SMALL_SIZE);
        }),
      );
    };
    const downloadSequential = async () => {
      for (const name of names) await client.download(name, discard());
    };
    const downloadPipelined = async () => {
      await Promise.all(names.map((name) => client.download(name, discard())));
    };
    const timed = async (key: string, work: () => Promise<void>) => {
      round++;
      const started = now();
      await withTimeout(work(), key);
      push(samples, key, elapsedMs(started));
    };
    // Untimed: creates the 256 blob shard folders and warms the JIT, which only the first round would pay.
    round++;
    await uploadPipelined();
    for (let rep = 0; rep < reps; rep++) {
      note(`small-file round ${rep + 1}/${reps}`);
      const uploads: [string, () => Promise<void>][] = [
        ['upSeq', uploadSequential],
        ['upPipe', uploadPipelined],
        ['upParallel', uploadParallel],
      ];
      const downloads: [string, () => Promise<void>][] = [
        ['downSeq', downloadSequential],
        ['downPipe', downloadPipelined],
      ];
      // Alternate the order, so neither variant always runs right after the other's disk writes.
      if (rep % 2 === 1) {
        uploads.reverse();
        downloads.reverse();
      }
      for (const [key, work] of uploads) await timed(key, work);
      for (const [key, work] of downloads) await timed(key, work);
      if (peers) {
        const up = await peers.uploadSmall(SMALL_DIR, SMALL_COUNT);
        push(samples, 'vsftpdUp', up?.ms);
        push(samples, 'vsftpdUpNoStall', up && up.ms - up.stallMs);
        const down = await peers.downloadSmall(SMALL_COUNT);
        push(samples, 'vsftpdDown', down?.ms);
        push(samples, 'vsftpdDownNoStall', down && down.ms - down.stallMs);
      }
    }
    await client.logout();
    await Promise.all(clients.map((c) => c.logout()));
  } finally {
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
  return samples;
}

function reportSmall(s: Samples, peers: boolean): void {
  note(
    `1,000 x 4 KiB (random bytes, new content each round), ${PARALLEL_CONNECTIONS} connections for "8conn":`,
  );
  const rate = (ms: number) => perSecond(SMALL_COUNT, ms);
  const upSeq = rateFigure('ferry_upload_4KiB_x1000_sequential', 'files/s', s.upSeq, rate);
  const upPipe = rateFigure('ferry_upload_4KiB_x1000_pipelined', 'files/s', s.upPipe, rate);
  rateFigure(`ferry_upload_4KiB_x1000_${PARALLEL_CONNECTIONS}conn`, 'files/s', s.upParallel, rate);
  const downSeq = rateFigure('ferry_download_4KiB_x1000_sequential', 'files/s', s.downSeq, rate);
  const downPipe = rateFigure('ferry_download_4KiB_x1000_pipelined', 'files/s', s.downPipe, rate);
  ratioFigure('ferry_upload_4KiB_pipelined_vs_sequential', upPipe, upSeq);
  ratioFigure('ferry_download_4KiB_pipelined_vs_sequential', downPipe, downSeq);
  if (peers) {
    const vsftpdUp = rateFigure('vsftpd_upload_4KiB_x1000', 'files/s', s.vsftpdUp, rate);
    const vsftpdDown = rateFigure('vsftpd_download_4KiB_x1000', 'files/s', s.vsftpdDown, rate);
    ratioFigure('ferry_upload_4KiB_sequential_vs_vsftpd', upSeq, vsftpdUp);
    ratioFigure('ferry_upload_4KiB_pipelined_vs_vsftpd', upPipe, vsftpdUp);
    ratioFigure('ferry_download_4KiB_sequential_vs_vsftpd', downSeq, vsftpdDown);
    ratioFigure('ferry_download_4KiB_pipelined_vs_vsftpd', downPipe, vsftpdDown);
    note(
      'vsftpd without the 1 s SYN-retransmit waits of its data connections (a loopback artefact of ' +
        "1,000 short connections, not vsftpd's work; each run's wall time minus its connect waits):",
    );
    const cleanUp = rateFigure(
      'vsftpd_upload_4KiB_x1000_without_connect_stalls',
      'files/s',
      s.vsftpdUpNoStall,
      rate,
    );
    const cleanDown = rateFigure(
      'vsftpd_download_4KiB_x1000_without_connect_stalls',
      'files/s',
      s.vsftpdDownNoStall,
      rate,
    );
    ratioFigure('ferry_upload_4KiB_sequential_vs_vsftpd_without_stalls', upSeq, cleanUp);
    ratioFigure('ferry_download_4KiB_sequential_vs_vsftpd_without_stalls', downSeq, cleanDown);
  }
  const fmt = (value: number | 'NA') => (value === 'NA' ? 'NA' : `${Math.round(value)}`);
  note(
    `summary: 4 KiB uploads ${fmt(upSeq)} files/s sequential, ${fmt(upPipe)} pipelined; ` +
      `downloads ${fmt(downSeq)} files/s sequential, ${fmt(downPipe)} pipelined.`,
  );
}
