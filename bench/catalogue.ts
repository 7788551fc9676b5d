import Database from 'better-sqlite3';
import { randomFillSync, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, statfsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { FerryClient } from '../src/transport/client/ferry-client';
import { prefixRange } from '../src/infra/sqlite/name-sort-key';
import { CachedFolder, copyFolder, diskUsage, ensureFolder, STAGES } from './catalogue-folders';
import { folderPrefix, fullFolders } from './catalogue-workload';
import { CATALOGUE_CACHE } from './lib/bench-root';
import { FerryServerProcess, startFerryServer } from './lib/ferry-server-process';
import { elapsedMs, now, peakRssKiB, rssKiB } from './lib/processes';
import { figure, heading, note, ratioFigure } from './lib/report';
import { bytesOf, isCatalogueTable, LOG_TABLES } from './lib/sqlite-space';
import { formatBytes, KiB, median, round } from './lib/stats';

/**
 * The catalogue in audit.db at 0, 100,000, 1,000,000 and 10,000,000 live files, side by side: a real
 * `ferry serve` started on a working copy of each cached folder (see catalogue-folders.ts, made once by
 * catalogue-workload.ts through the real handlers), then, from FerryClient over loopback: RSS after
 * start-up and after a 1,000-name LIST, time to listening, LIST / STAT / HISTORY latency, and the rate of
 * 4 KiB uploads from 8 clients for 10 s; and, from the cached folders, audit.db bytes per event and per
 * file, split into the log and the catalogue tables (dbstat).
 */

export interface CatalogueOptions {
  readonly reps: number;
  /** Only these sizes (0 = an empty folder); all of them by default. */
  readonly sizes?: readonly number[];
}

export const CATALOGUE_SIZES = [0, ...STAGES];
const WORK = join(CATALOGUE_CACHE, 'work');
const LATENCY_REQUESTS = 200;
/** LISTs go round this many different 1,000-name folders, old and new, so no one folder stays cached. */
const LIST_PREFIXES = 8;
const LIST_PAGE = 1000;
const UPLOAD_CLIENTS = 8;
const UPLOAD_MS = 10_000;
const UPLOAD_BYTES = 4 * KiB;
/** Above this, one working copy serves every rep (uploads then add about 0.1% per rep); below, one per rep. */
const COPY_PER_REP_UNDER_BYTES = 8e9;

const TARGETS = {
  rssMiB: 160,
  rssOverEmptyMiB: 32,
  startupMs: 1000,
  uploadVsEmpty: 0.8,
  latencyMs: 10,
};

interface Size {
  readonly files: number;
  readonly label: string;
  readonly cached?: CachedFolder;
  /** Live names to STAT and HISTORY, picked at random. */
  names: string[];
  /** Folders of about 1,000 live names, and how many each holds. */
  prefixes: { prefix: string; live: number }[];
}

interface Sample {
  startupMs: number;
  rssStartMiB: number;
  rssListMiB: number;
  peakMiB: number;
  listed: number;
  list: number[];
  /** The same LISTs read as bytes (lines counted, not parsed): the server's part, without FerryClient's parsing. */
  listRaw: number[];
  stat: number[];
  history: number[];
  uploads: number;
  uploadMs: number;
  rssAfterUploadsMiB: number;
  stopMs: number;
}

export async function catalogueBenchmark(options: CatalogueOptions): Promise<void> {
  heading('catalogue: a real server over folders of 0, 100k, 1M and 10M files');
  const sizes: Size[] = [];
  for (const files of options.sizes ?? CATALOGUE_SIZES) {
    const cached = files === 0 ? undefined : await ensureFolder(files);
    sizes.push({ files, label: labelOf(files), cached, names: [], prefixes: [] });
  }
  describeFolders(sizes);
  reportSpace(sizes);

  const samples = new Map<number, Sample[]>(sizes.map((size) => [size.files, []]));
  const firstStarts: number[] = [];
  mkdirSync(WORK, { recursive: true });
  const runStarted = now();
  try {
    for (let rep = 0; rep < options.reps; rep++) {
      // Alternate the order, so that a noisy stretch of the run does not always hit the same size.
      const order = rep % 2 === 0 ? sizes : [...sizes].reverse();
      for (const size of order) {
        const dir = await workingCopy(size, rep, firstStarts);
        samples.get(size.files)!.push(await measure(size, dir, rep));
      }
    }
  } finally {
    rmSync(WORK, { recursive: true, force: true });
  }
  note(`measured in ${(elapsedMs(runStarted) / 1000).toFixed(0)} s`);
  if (firstStarts.length > 0) {
    note(
      'the first start of a new, empty data folder (creates audit.db, runs the migrations, makes the key):',
    );
    figure({
      name: 'catalogue_startup_new_folder',
      value: median(firstStarts),
      unit: 'ms',
      samples: firstStarts,
    });
  }
  report(sizes, samples);
}

function labelOf(files: number): string {
  if (files === 0) return '0';
  if (files >= 1e6) return `${files / 1e6}m`;
  return `${files / 1e3}k`;
}

// ------------------------------------------------------------------ folders

function describeFolders(sizes: readonly Size[]): void {
  for (const size of sizes) {
    const stamp = size.cached?.stamp;
    if (!stamp) continue;
    const { counts, stage } = stamp;
    note(
      `${size.label}: ${size.cached!.dir}, generated ${stamp.generatedAt}: ${counts.events} events in ` +
        `${counts.sessions} sessions; ${counts.names} names, ${counts.liveFiles} live, ${counts.versions} ` +
        `versions, ${counts.deletions} deletions, ${counts.requestIds} request ids remembered, ${counts.blobs} blobs`,
    );
    const rate = stage.events / stage.seconds;
    note(
      `  this stage: ${stage.events} events (${stage.fromFiles} -> ${stamp.files} files) in ` +
        `${fmtSeconds(stage.seconds)}, ${Math.round(rate)} events/s; all stages to here ${fmtSeconds(stamp.totalSeconds)}`,
    );
    figure({ name: `catalogue_generate_seconds_${size.label}`, value: stamp.totalSeconds, unit: 's' });
    figure({ name: `catalogue_generate_rate_stage_${size.label}`, value: rate, unit: 'events/s' });
  }
}

function reportSpace(sizes: readonly Size[]): void {
  note('audit.db space (dbstat: every page of each table and its indexes):');
  for (const size of sizes) {
    const stamp = size.cached?.stamp;
    if (!stamp) continue;
    const { space, counts } = stamp;
    const log = bytesOf(space, (table) => LOG_TABLES.includes(table));
    const catalogue = bytesOf(space, isCatalogueTable);
    const other = space.fileBytes - log - catalogue;
    note(
      `  ${size.label}: audit.db ${formatBytes(space.fileBytes)} = log ${formatBytes(log)} + catalogue ` +
        `${formatBytes(catalogue)} + other ${formatBytes(other)} (schema, migrations, ${formatBytes(space.freeBytes)} free pages); blobs/ ${formatBytes(stamp.blobsBytes)}`,
    );
    const perTable = space.tables
      .filter((entry) => entry.bytes >= 1e5)
      .map((entry) => `${entry.table} ${round(entry.bytes / counts.events, 1)}`)
      .join(', ');
    note(`    bytes per event by table (indexes included): ${perTable}`);
    figure({
      name: `audit_db_bytes_per_event_${size.label}`,
      value: space.fileBytes / counts.events,
      unit: 'B',
    });
    figure({ name: `audit_log_bytes_per_event_${size.label}`, value: log / counts.events, unit: 'B' });
    figure({
      name: `catalogue_bytes_per_file_${size.label}`,
      value: catalogue / counts.liveFiles,
      unit: 'B',
    });
    figure({ name: `catalogue_bytes_per_event_${size.label}`, value: catalogue / counts.events, unit: 'B' });
    figure({
      name: `audit_db_bytes_per_file_${size.label}`,
      value: space.fileBytes / counts.liveFiles,
      unit: 'B',
    });
  }
}

/**
 * A folder to serve: a copy of the cached one (the server writes to it), or, for 0 files, a new folder
 * that one untimed start and stop has set up (audit.db with its schema, the signing key, credentials.db),
 * so that every size is timed on a folder that was served before.
 */
async function workingCopy(size: Size, rep: number, firstStarts: number[]): Promise<string> {
  const dir = join(WORK, `files-${size.files}`);
  if (!size.cached) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const started = now();
    const server = await startFerryServer(dir);
    firstStarts.push(elapsedMs(started));
    await server.stop();
    return dir;
  }
  const bytes = size.cached.stamp.space.fileBytes + size.cached.stamp.blobsBytes;
  if (rep > 0 && bytes >= COPY_PER_REP_UNDER_BYTES) return dir;
  const free = statfsSync(CATALOGUE_CACHE);
  if (free.bavail * free.bsize < bytes * 1.1 + 2e9) {
    throw new Error(`no room for a working copy of ${size.cached.dir} (${formatBytes(bytes)}) in ${WORK}`);
  }
  const started = now();
  await copyFolder(size.cached.dir, dir);
  const copyMs = elapsedMs(started);
  if (size.names.length === 0) pickNamesAndPrefixes(size, dir);
  note(
    `  ${size.label}: copied ${formatBytes(await diskUsage(dir))} to ${dir} in ${(copyMs / 1000).toFixed(1)} s` +
      (bytes >= COPY_PER_REP_UNDER_BYTES ? ' (one copy for every rep)' : ''),
  );
  return dir;
}

/** Random live names (by random row id), and full 1,000-name folders spread over the folder's history. */
function pickNamesAndPrefixes(size: Size, dir: string): void {
  const db = new Database(join(dir, 'audit.db'), { readonly: true, fileMustExist: true });
  try {
    const names = size.cached!.stamp.counts.names;
    const byId = db
      .prepare('SELECT key FROM catalogue_names WHERE id = ? AND live_version IS NOT NULL')
      .pluck();
    while (size.names.length < LATENCY_REQUESTS) {
      const key = byId.get(1 + Math.floor(Math.random() * names)) as Buffer | undefined;
      if (key) size.names.push(key.toString('utf8'));
    }
    const count = db.prepare('SELECT count(*) FROM catalogue_live WHERE key >= ? AND key < ?').pluck();
    const full = fullFolders(size.cached!.stamp.state.created);
    for (let i = 0; i < LIST_PREFIXES; i++) {
      const prefix = folderPrefix(Math.floor(((i + 0.5) * full) / LIST_PREFIXES));
      const range = prefixRange(prefix);
      size.prefixes.push({ prefix, live: count.get(range.low, range.high) as number });
    }
  } finally {
    db.close();
  }
  note(`  ${size.label}: LIST prefixes ${size.prefixes.map((p) => `${p.prefix} (${p.live})`).join(', ')}`);
}

// ------------------------------------------------------------------ one measurement

async function measure(size: Size, dir: string, rep: number): Promise<Sample> {
  const started = now();
  const server = await startFerryServer(dir);
  const startupMs = elapsedMs(started);
  try {
    const rssStartMiB = rssKiB(server.pid)! / KiB;
    const client = await FerryClient.connect(server);
    const first = size.prefixes[0]?.prefix ?? 'dept-0/project-0/';
    const listed = (await listPage(client, first)).length;
    const rssListMiB = rssKiB(server.pid)! / KiB;
    const latency = await latencies(client, size);
    await client.logout();
    const listRaw = await rawLists(server, size);
    const peakMiB = peakRssKiB(server.pid)! / KiB;
    const upload = await uploads(server, rep);
    const rssAfterUploadsMiB = rssKiB(server.pid)! / KiB;
    const stopStarted = now();
    const code = await server.stop();
    if (code !== 0) note(`ferry serve exited ${code}`);
    const sample = {
      startupMs,
      rssStartMiB,
      rssListMiB,
      peakMiB,
      listed,
      ...latency,
      listRaw,
      ...upload,
      rssAfterUploadsMiB,
      stopMs: elapsedMs(stopStarted),
    };
    note(
      `  rep ${rep + 1} ${size.label}: listening after ${startupMs.toFixed(0)} ms, rss ${rssStartMiB.toFixed(1)} MiB, ` +
        `${rssListMiB.toFixed(1)} after a LIST of ${listed}; LIST ${fmtMs(median(latency.list))} ` +
        `(${fmtMs(median(listRaw))} unparsed) STAT ` +
        `${fmtMs(median(latency.stat))} HISTORY ${fmtMs(median(latency.history))}; ${upload.uploads} uploads ` +
        `(${Math.round((upload.uploads * 1000) / upload.uploadMs)}/s), rss ${rssAfterUploadsMiB.toFixed(1)} MiB after`,
    );
    return sample;
  } finally {
    await server.stop();
  }
}

/** The first page of a LIST, at most LIST_PAGE files. */
async function listPage(client: FerryClient, prefix: string): Promise<unknown[]> {
  const pages = client.listPages(prefix, { pageSize: LIST_PAGE });
  const first = await pages.next();
  await pages.return(undefined);
  return first.done ? [] : first.value;
}

/** LIST, STAT and HISTORY in turn, one at a time on one connection, each round trip timed. */
async function latencies(
  client: FerryClient,
  size: Size,
): Promise<{ list: number[]; stat: number[]; history: number[] }> {
  const result = { list: [] as number[], stat: [] as number[], history: [] as number[] };
  const timed = async (into: number[], request: () => Promise<unknown>) => {
    const started = now();
    await request().catch(() => undefined);
    into.push(elapsedMs(started));
  };
  for (let i = 0; i < LATENCY_REQUESTS; i++) {
    // An empty folder has nothing to find: its figures are the floor (a round trip and one commit).
    const prefix = size.prefixes[i % Math.max(1, size.prefixes.length)]?.prefix ?? 'dept-0/project-0/';
    const name = size.names[i] ?? `dept-0/project-0/file-${i}.pdf`;
    await timed(result.list, () => listPage(client, prefix));
    await timed(result.stat, () => client.stat(name));
    await timed(result.history, () => client.history(name));
  }
  return result;
}

/**
 * The LISTs of `latencies` again on a bare socket that counts the reply's lines instead of parsing them:
 * how much of a LIST's time is the server's (and the loopback's), without FerryClient turning each line
 * into an object.
 */
async function rawLists(server: FerryServerProcess, size: Size): Promise<number[]> {
  const socket = connect({ host: server.host, port: server.port });
  socket.setNoDelay(true);
  let waiting: { lines: number; resolve: () => void } | undefined;
  let expected = 1;
  let head = '';
  socket.on('data', (chunk: Buffer) => {
    if (!waiting) return;
    let from = 0;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) {
      if (waiting.lines === 0) {
        // The first line says how many follow: `OK count=N [next=...]`.
        head += chunk.toString('latin1', from, at);
        const count = /count=(\d+)/.exec(head);
        expected = 1 + (count ? Number(count[1]) : 0);
      }
      waiting.lines++;
      from = at + 1;
      if (waiting.lines === expected) {
        const done = waiting.resolve;
        waiting = undefined;
        return done();
      }
    }
    if (waiting.lines === 0) head += chunk.toString('latin1', from);
  });
  const request = (line: string) =>
    new Promise<void>((resolve) => {
      head = '';
      expected = 1;
      waiting = { lines: 0, resolve };
      socket.write(line);
    });
  try {
    await request(''); // the greeting
    const times: number[] = [];
    for (let i = 0; i < LATENCY_REQUESTS; i++) {
      const prefix = size.prefixes[i % Math.max(1, size.prefixes.length)]?.prefix ?? 'dept-0/project-0/';
      const started = now();
      await request(`LIST ${prefix} limit=${LIST_PAGE}\n`);
      times.push(elapsedMs(started));
    }
    return times;
  } finally {
    socket.destroy();
  }
}

/** UPLOAD_CLIENTS connections, each uploading new 4 KiB files one after another for UPLOAD_MS. */
async function uploads(
  server: FerryServerProcess,
  rep: number,
): Promise<{ uploads: number; uploadMs: number }> {
  const clients = await Promise.all(
    Array.from({ length: UPLOAD_CLIENTS }, () => FerryClient.connect(server)),
  );
  let count = 0;
  const started = now();
  await Promise.all(
    clients.map(async (client, c) => {
      const body = Buffer.alloc(UPLOAD_BYTES);
      for (let n = 0; elapsedMs(started) < UPLOAD_MS; n++) {
        randomFillSync(body);
        await client.upload(`bench-uploads/r${rep}-c${c}-${n}.bin`, bodyOf(body), body.length, {
          requestId: randomUUID(),
        });
        count++;
      }
    }),
  );
  const uploadMs = elapsedMs(started);
  await Promise.all(clients.map((client) => client.logout()));
  return { uploads: count, uploadMs };
}

async function* bodyOf(buffer: Buffer): AsyncIterable<Uint8Array> {
  yield buffer;
}

// ------------------------------------------------------------------ report

function report(sizes: readonly Size[], samples: Map<number, Sample[]>): void {
  const empty = samples.get(0);
  const values = new Map<string, Map<string, number>>();
  const put = (metric: string, size: Size, value: number) => {
    if (!values.has(metric)) values.set(metric, new Map());
    values.get(metric)!.set(size.label, value);
  };
  for (const size of sizes) {
    const runs = samples.get(size.files)!;
    const l = size.label;
    const fig = (name: string, unit: string, pick: (s: Sample) => number, digits = 0) => {
      const list = runs.map(pick);
      figure({ name: `${name}_${l}`, value: median(list), unit, samples: list }, digits);
      return median(list);
    };
    put(
      'startup_ms',
      size,
      fig('catalogue_startup_to_listening', 'ms', (s) => s.startupMs),
    );
    put(
      'rss_start',
      size,
      fig('catalogue_rss_after_start', 'MiB', (s) => s.rssStartMiB, 1),
    );
    put(
      'rss_list',
      size,
      fig('catalogue_rss_after_list1000', 'MiB', (s) => s.rssListMiB, 1),
    );
    fig('catalogue_rss_peak_before_uploads', 'MiB', (s) => s.peakMiB, 1);
    fig('catalogue_rss_after_uploads', 'MiB', (s) => s.rssAfterUploadsMiB, 1);
    put(
      'upload_rate',
      size,
      fig('catalogue_upload_4k_rate', 'files/s', (s) => (s.uploads * 1000) / s.uploadMs),
    );
    for (const kind of ['list', 'listRaw', 'stat', 'history'] as const) {
      const name = { list: 'list1000', listRaw: 'list1000_unparsed', stat: 'stat', history: 'history' }[kind];
      put(
        `${kind}_p50`,
        size,
        fig(`catalogue_${name}_ms`, 'ms', (s) => median(s[kind]), 2),
      );
      put(
        `${kind}_p99`,
        size,
        fig(`catalogue_${name}_p99_ms`, 'ms', (s) => percentile(s[kind], 0.99), 2),
      );
    }
    fig('catalogue_stop_ms', 'ms', (s) => s.stopMs);
    note(`  ${l}: the first LIST returned ${runs.map((s) => s.listed).join(' ')} files`);
    if (empty && size.files !== 0) {
      ratioFigure(
        `catalogue_upload_4k_rate_${l}_vs_0`,
        values.get('upload_rate')!.get(l)!,
        values.get('upload_rate')!.get('0')!,
      );
    }
  }
  table(sizes, values);
  judge(sizes, values);
}

function table(sizes: readonly Size[], values: Map<string, Map<string, number>>): void {
  const rows: [string, string, number][] = [
    ['start-up to listening (ms)', 'startup_ms', 0],
    ['RSS after start-up (MiB)', 'rss_start', 1],
    ['RSS after a 1,000-name LIST (MiB)', 'rss_list', 1],
    ['4 KiB uploads, 8 clients (files/s)', 'upload_rate', 0],
    ['LIST 1,000 median / p99 (ms)', 'list', 2],
    ['  the same, lines not parsed (ms)', 'listRaw', 2],
    ['STAT median / p99 (ms)', 'stat', 2],
    ['HISTORY median / p99 (ms)', 'history', 2],
  ];
  note('side by side (medians of the reps):');
  note(`  ${'figure'.padEnd(38)}${sizes.map((s) => s.label.padStart(16)).join('')}`);
  for (const [label, key, digits] of rows) {
    const cells = sizes.map((size) => {
      const one = values.get(key)?.get(size.label);
      if (one !== undefined) return one.toFixed(digits);
      const p50 = values.get(`${key}_p50`)?.get(size.label);
      const p99 = values.get(`${key}_p99`)?.get(size.label);
      return p50 === undefined ? 'NA' : `${p50.toFixed(digits)} / ${p99!.toFixed(digits)}`;
    });
    note(`  ${label.padEnd(38)}${cells.map((cell) => cell.padStart(16)).join('')}`);
  }
}

function judge(sizes: readonly Size[], values: Map<string, Map<string, number>>): void {
  const get = (key: string, label: string) => values.get(key)?.get(label);
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  note('targets (judged here, not asserted):');
  for (const size of sizes) {
    const l = size.label;
    const rss = [get('rss_start', l)!, get('rss_list', l)!];
    const empty = [get('rss_start', '0'), get('rss_list', '0')];
    const within =
      empty.every((e) => e !== undefined) && rss.every((r, i) => r - empty[i]! <= TARGETS.rssOverEmptyMiB);
    note(
      `  ${l}: RSS ${rss.map((r) => r.toFixed(0)).join(' / ')} MiB < ${TARGETS.rssMiB}: ` +
        `${verdict(rss.every((r) => r < TARGETS.rssMiB))}; within ${TARGETS.rssOverEmptyMiB} MiB of empty: ` +
        `${size.files === 0 ? '-' : empty[0] === undefined ? 'NA (no empty folder measured)' : verdict(within)}; ` +
        `start-up ${get('startup_ms', l)!.toFixed(0)} ms < ${TARGETS.startupMs}: ${verdict(get('startup_ms', l)! < TARGETS.startupMs)}`,
    );
  }
  const largest = sizes[sizes.length - 1];
  const l = largest.label;
  const rate = get('upload_rate', l);
  const rate0 = get('upload_rate', '0');
  if (largest.files > 0 && rate !== undefined && rate0 !== undefined) {
    note(
      `  ${l}: uploads at ${((100 * rate) / rate0).toFixed(0)}% of the empty folder's rate ` +
        `(target >= ${100 * TARGETS.uploadVsEmpty}%): ${verdict(rate >= TARGETS.uploadVsEmpty * rate0)}`,
    );
  }
  // The target is the server's time: for LIST, the round trip whose ~1,000 reply lines are counted, not
  // parsed (an upper bound: it includes the loopback and a commit); STAT and HISTORY replies are one line.
  const latencies = [
    ['LIST (lines not parsed)', get('listRaw_p50', l)!],
    ['STAT', get('stat_p50', l)!],
    ['HISTORY', get('history_p50', l)!],
  ] as const;
  note(
    `  ${l}: ${latencies.map(([kind, ms]) => `${kind} ${ms.toFixed(2)} ms`).join(', ')} ` +
      `(median; target < ${TARGETS.latencyMs} ms each at the server): ${verdict(latencies.every(([, ms]) => ms < TARGETS.latencyMs))}`,
  );
}

/** Nearest rank: the smallest sample with at least `fraction` of the samples at or below it. */
function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)];
}

function fmtMs(ms: number): string {
  return `${ms.toFixed(2)} ms`;
}

function fmtSeconds(seconds: number): string {
  return seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(0)} s`;
}
