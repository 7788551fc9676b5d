import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { BENCH_ROOT } from './lib/bench-root';
import { FerryServerProcess, FERRY_MAIN, startFerryServer } from './lib/ferry-server-process';
import { elapsedMs, now, peakRssKiB, resetPeakRss, run } from './lib/processes';
import { figure, heading, note, rateFigure, ratioFigure } from './lib/report';
import { GiB, KiB, median, megabytesPerSecond, MiB, perSecond } from './lib/stats';
import { ddWriteMs, netPipe } from './transfer-ceilings';
import { startVsftpd, Vsftpd } from './transfer-peers';

/**
 * Transfers as a user makes them: the `ferry` CLI (a child process) against `ferry serve` (another), both
 * on 127.0.0.1, side by side in each round with what the issue compares them to: vsftpd driven by curl,
 * `dd bs=1M conv=fsync`, and vsftpd's download followed by `sha256sum`. `--quick` runs the same code on a
 * small file and few small files, once, without peers: a smoke test that the benchmark still works.
 */
export interface CliTransferOptions {
  readonly peers: boolean;
  readonly reps: number;
  readonly quick: boolean;
}

const WORK = join(BENCH_ROOT, 'cli-transfer');

interface Sizes {
  readonly big: number;
  readonly bigFile: string;
  readonly smallCount: number;
  readonly smallDir: string;
}

const FULL: Sizes = {
  big: GiB,
  bigFile: join(BENCH_ROOT, '1g.bin'),
  smallCount: 1000,
  smallDir: join(BENCH_ROOT, 'small'),
};
const QUICK: Sizes = {
  big: 32 * MiB,
  bigFile: join(BENCH_ROOT, 'quick-32m.bin'),
  smallCount: 50,
  smallDir: join(BENCH_ROOT, 'quick-small'),
};
const SMALL_SIZE = 4 * KiB;

type Samples = Record<string, number[]>;

export async function cliTransferBenchmark(options: CliTransferOptions): Promise<void> {
  const sizes = options.quick ? QUICK : FULL;
  heading(
    `cli-transfer: the ferry CLI against ferry serve${options.quick ? ' (quick)' : ''}, peers side by side`,
  );
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  ensureFile(sizes.bigFile, sizes.big);
  ensureSmallFiles(sizes.smallDir, sizes.smallCount);
  const peers = options.peers && !options.quick ? await startVsftpd(WORK) : undefined;
  if (!peers) note('peer figures (vsftpd) skipped: run with --peers, not --quick, to include them');
  const durable = await startFerryServer(join(WORK, 'data-durable'));
  const loose = await startFerryServer(join(WORK, 'data-no-fsync'), ['--no-fsync']);
  const samples: Samples = {};
  try {
    for (let rep = 0; rep < (options.quick ? 1 : options.reps); rep++) {
      note(`round ${rep + 1}`);
      await round(samples, rep, sizes, durable, loose, peers);
    }
  } finally {
    await durable.stop();
    await loose.stop();
    await peers?.stop();
  }
  report(samples, sizes, peers !== undefined);
}

/**
 * One round: every figure once, Ferry and its yardstick one right after the other, each from a clean page
 * cache: a put with `--no-fsync` or vsftpd's upload leaves 1 GiB unwritten, whose writeback slowed
 * whichever step ran then (the first round's puts took 4-5 s, the later ones' 7).
 */
async function round(
  samples: Samples,
  rep: number,
  sizes: Sizes,
  durable: FerryServerProcess,
  loose: FerryServerProcess,
  peers: Vsftpd | undefined,
): Promise<void> {
  const got = join(WORK, 'got.bin');
  push(
    samples,
    'putLoose',
    await settled(() => ferry(loose, ['put', '-q', sizes.bigFile, `big-${rep}.bin`], samples, 'rssPutLoose')),
  );
  push(
    samples,
    'hashedPipe',
    (await settled(() => netPipe(sizes.bigFile, 256 * KiB, sizes.big, true)))?.clientMs,
  );
  if (peers) push(samples, 'vsftpdUp', await settled(() => peers.upload1g(sizes.bigFile)));
  push(
    samples,
    'putDurable',
    await settled(() => ferry(durable, ['put', '-q', sizes.bigFile, `big-${rep}.bin`], samples, 'rssPut')),
  );
  push(samples, 'dd', await ddWriteMs(sizes.bigFile, join(WORK, 'dd.bin'), false));
  push(
    samples,
    'get',
    await settled(() => ferry(durable, ['get', '-q', `big-${rep}.bin`, got], samples, 'rssGet')),
  );
  rmSync(got, { force: true });
  if (peers) {
    push(samples, 'vsftpdDown', await settled(() => peers.download1g()));
    push(samples, 'vsftpdDownSha', await settled(() => peers.download1gVerified(got)));
  }
  push(
    samples,
    'treePut',
    await settled(() => ferry(durable, ['put', '-q', sizes.smallDir, `small-${rep}/`], samples)),
  );
  if (peers)
    push(
      samples,
      'vsftpdSmallUp',
      (await settled(() => peers.uploadSmall(sizes.smallDir, sizes.smallCount)))?.ms,
    );
  const mirror = join(WORK, 'mirror');
  push(
    samples,
    'treeGet',
    await settled(() => ferry(durable, ['get', '-q', '--prefix', `small-${rep}/`, '--to', mirror], samples)),
  );
  if (readdirSync(mirror).length !== sizes.smallCount)
    note(`  get --prefix brought ${readdirSync(mirror).length} files`);
  rmSync(mirror, { recursive: true, force: true });
  if (peers)
    push(samples, 'vsftpdSmallDown', (await settled(() => peers.downloadSmall(sizes.smallCount)))?.ms);
}

/** Runs `measure` once every dirty page is written back. */
async function settled<T>(measure: () => Promise<T>): Promise<T> {
  await run('sync', []);
  return measure();
}

/** Runs `ferry <args> --server <server>`; the wall time in ms, or undefined if it failed. */
async function ferry(
  server: FerryServerProcess,
  args: string[],
  samples: Samples,
  rssKey?: string,
): Promise<number | undefined> {
  resetPeakRss(server.pid);
  const started = now();
  const finished = await run(
    process.execPath,
    [FERRY_MAIN, ...args, '--server', `${server.host}:${server.port}`],
    600_000,
  );
  const ms = elapsedMs(started);
  if (rssKey) push(samples, rssKey, peakRssKiB(server.pid));
  if (finished.code !== 0) {
    note(`  ferry ${args.join(' ')} failed (${finished.code}): ${finished.stderr.trim()}`);
    return undefined;
  }
  return ms;
}

function report(s: Samples, sizes: Sizes, peers: boolean): void {
  const label = sizes.big === GiB ? '1g' : `${sizes.big / MiB}m`;
  const rate = (ms: number) => megabytesPerSecond(sizes.big, ms);
  const files = (ms: number) => perSecond(sizes.smallCount, ms);
  const putLoose = rateFigure(`cli_put_${label}_no_fsync`, 'MB/s', s.putLoose, rate);
  const putDurable = rateFigure(`cli_put_${label}_durable`, 'MB/s', s.putDurable, rate);
  const dd = rateFigure(`dd_conv_fsync_${label}`, 'MB/s', s.dd, rate);
  const get = rateFigure(`cli_get_${label}_verified`, 'MB/s', s.get, rate);
  const treePut = rateFigure(`cli_put_tree_${sizes.smallCount}x4KiB_durable`, 'files/s', s.treePut, files);
  const treeGet = rateFigure(`cli_get_prefix_${sizes.smallCount}x4KiB`, 'files/s', s.treeGet, files);
  ratioFigure(`cli_put_${label}_durable_vs_dd_fsync`, putDurable, dd);
  const hashedPipe = rateFigure(`node_pipe_sha256_both_ends_${label}`, 'MB/s', s.hashedPipe, rate);
  ratioFigure(`cli_put_${label}_no_fsync_vs_node_pipe_sha256`, putLoose, hashedPipe);
  if (peers) {
    const vsftpdUp = rateFigure('vsftpd_upload_1g', 'MB/s', s.vsftpdUp, rate);
    const vsftpdDown = rateFigure('vsftpd_download_1g', 'MB/s', s.vsftpdDown, rate);
    const vsftpdDownSha = rateFigure('vsftpd_download_1g_then_sha256sum', 'MB/s', s.vsftpdDownSha, rate);
    const smallUp = rateFigure('vsftpd_upload_4KiB_x1000', 'files/s', s.vsftpdSmallUp, files);
    const smallDown = rateFigure('vsftpd_download_4KiB_x1000', 'files/s', s.vsftpdSmallDown, files);
    ratioFigure('cli_put_1g_no_fsync_vs_vsftpd_upload', putLoose, vsftpdUp);
    ratioFigure('cli_get_1g_verified_vs_vsftpd_download', get, vsftpdDown);
    ratioFigure('cli_get_1g_verified_vs_vsftpd_download_then_sha256sum', get, vsftpdDownSha);
    ratioFigure('cli_put_tree_vs_vsftpd_upload_4KiB', treePut, smallUp);
    ratioFigure('cli_get_prefix_vs_vsftpd_download_4KiB', treeGet, smallDown);
  }
  const mib = (key: string) => (s[key] ?? []).map((kib) => kib / 1024);
  for (const [key, name] of [
    ['rssPutLoose', `ferry_server_peak_rss_cli_put_${label}_no_fsync`],
    ['rssPut', `ferry_server_peak_rss_cli_put_${label}`],
    ['rssGet', `ferry_server_peak_rss_cli_get_${label}`],
  ] as const) {
    figure({ name, value: median(mib(key)), unit: 'MiB', samples: mib(key) });
  }
}

function push(samples: Samples, key: string, value: number | undefined): void {
  samples[key] ??= [];
  if (value !== undefined) samples[key].push(value);
}

function ensureFile(path: string, size: number): void {
  if (existsSync(path) && statSync(path).size === size) return;
  mkdirSync(BENCH_ROOT, { recursive: true });
  note(`creating ${path} (${size / MiB} MiB of random bytes)`);
  const chunk = Buffer.alloc(MiB);
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < size; written += MiB) writeSync(fd, randomFillSync(chunk));
  } finally {
    closeSync(fd);
  }
}

/** `count` files of 4 KiB named as curl's globbing expects (f0001.bin ...). */
function ensureSmallFiles(dir: string, count: number): void {
  const names = Array.from({ length: count }, (_, i) => `f${String(i + 1).padStart(4, '0')}.bin`);
  if (existsSync(dir) && readdirSync(dir).length === count) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of names) writeFileSync(join(dir, name), randomFillSync(Buffer.alloc(SMALL_SIZE)));
}
