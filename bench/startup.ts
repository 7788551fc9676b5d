import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SNAPSHOT_FORMAT } from '../src/domain/catalogue';
import { figure, heading, note, ratioFigure } from './lib/report';
import { elapsedMs, now, run, runProbe } from './lib/processes';
import { formatBytes, median } from './lib/stats';
import { DISTINCT_NAMES, GenerationStats, generateFolder } from './startup-data';

/**
 * Start-up time of a server whose audit log holds 1,000,000 events: the catalogue rebuilt (a) from the
 * whole log, (b) from a snapshot at the last event, (c) from a snapshot 10,000 events before the end.
 * Each start runs in a fresh process (bench/probes/startup-probe.ts); the three cases alternate.
 */

export const BENCH_ROOT = '/tmp/ferry-bench';
const FOLDER = join(BENCH_ROOT, 'startup-1m');
const META = join(BENCH_ROOT, 'startup-1m.meta.json');
/** The two snapshot rows, kept aside so each run can put back exactly the one it needs. */
const SAVED_SNAPSHOTS = join(BENCH_ROOT, 'startup-1m.snapshots.db');
const TOTAL_EVENTS = 1_000_000;
const TAIL_EVENTS = 10_000;
/** Bump when the generated mix changes, so cached folders are rebuilt. */
const GENERATOR_VERSION = 1;
const MIGRATIONS = join(__dirname, '../../migrations');
const TARGET_MS = 2000;

interface Meta {
  readonly generatorVersion: number;
  readonly migrations: number;
  readonly snapshotFormat: number;
  readonly generatedAt: string;
  readonly stats: GenerationStats;
}

interface ProbeResult {
  readonly modulesLoadedMs: number;
  readonly readyMs: number;
  readonly closeMs: number;
  readonly position: number;
  readonly listed: number;
  readonly firstListMs: number;
  readonly listPrefixMs: number;
  readonly serialiseMs: number;
  readonly saveSnapshotMs?: number;
  readonly peakRssKiB: number;
}

type Mode = { readonly key: string; readonly label: string; readonly snapshotSeq?: number };

const MODES: readonly Mode[] = [
  { key: 'nosnapshot', label: 'no snapshot: the whole log replayed' },
  { key: 'snapshot', label: 'snapshot at the last event', snapshotSeq: TOTAL_EVENTS },
  {
    key: 'snapshot_tail10k',
    label: 'snapshot + 10,000-event tail',
    snapshotSeq: TOTAL_EVENTS - TAIL_EVENTS,
  },
];

export interface StartupOptions {
  readonly reps: number;
}

export async function startupBenchmark(options: StartupOptions): Promise<void> {
  heading('startup: 1,000,000 events, catalogue rebuilt at start');
  const meta = await ensureFolder();
  describeFolder(meta);
  note(`  blobs/ takes ${await blobsSize(FOLDER)} on disk`);

  // Untimed: brings the database into the page cache, so every timed run starts equally warm.
  setSnapshot(undefined);
  const warm = await probe();
  note(`warm-up start (untimed, no snapshot): ready in ${warm.readyMs.toFixed(0)} ms`);

  const results = new Map<string, { probe: ProbeResult; wallMs: number }[]>(MODES.map((m) => [m.key, []]));
  for (let rep = 0; rep < options.reps; rep++) {
    for (const mode of MODES) {
      setSnapshot(mode.snapshotSeq);
      const started = now();
      const result = await probe();
      const wallMs = elapsedMs(started);
      if (result.position !== TOTAL_EVENTS) throw new Error(`start-up saw ${result.position} events`);
      results.get(mode.key)!.push({ probe: result, wallMs });
    }
  }
  // A snapshot save as the ledger makes one, timed on its own (it rewrites the row at seq 1,000,000).
  const saveSamples: number[] = [];
  for (let rep = 0; rep < options.reps; rep++) {
    setSnapshot(TOTAL_EVENTS);
    saveSamples.push((await probe('--save-snapshot')).saveSnapshotMs!);
  }
  setSnapshot(TOTAL_EVENTS);

  const ready = new Map<string, number>();
  for (const mode of MODES) {
    const runs = results.get(mode.key)!;
    note(`${mode.key}: ${mode.label}`);
    const readySamples = runs.map((r) => r.probe.readyMs);
    ready.set(mode.key, median(readySamples));
    figure({
      name: `startup_ready_1m_${mode.key}`,
      value: median(readySamples),
      unit: 'ms',
      samples: readySamples,
    });
    const closeSamples = runs.map((r) => r.probe.closeMs);
    figure({
      name: `startup_close_1m_${mode.key}`,
      value: median(closeSamples),
      unit: 'ms',
      samples: closeSamples,
    });
    const wallSamples = runs.map((r) => r.wallMs);
    figure({
      name: `startup_process_wall_1m_${mode.key}`,
      value: median(wallSamples),
      unit: 'ms',
      samples: wallSamples,
    });
    const rssSamples = runs.map((r) => r.probe.peakRssKiB / 1024);
    figure({
      name: `startup_peak_rss_1m_${mode.key}`,
      value: median(rssSamples),
      unit: 'MiB',
      samples: rssSamples,
    });
  }
  const all = [...results.values()].flat();
  const modulesSamples = all.map((r) => r.probe.modulesLoadedMs);
  figure({
    name: 'startup_node_and_modules',
    value: median(modulesSamples),
    unit: 'ms',
    samples: modulesSamples,
  });
  const firstListSamples = all.map((r) => r.probe.firstListMs);
  figure(
    {
      name: 'catalogue_list_first_call_50k_names',
      value: median(firstListSamples),
      unit: 'ms',
      samples: firstListSamples,
    },
    1,
  );
  const listSamples = all.map((r) => r.probe.listPrefixMs);
  figure(
    { name: 'catalogue_list_prefix_50k_names', value: median(listSamples), unit: 'ms', samples: listSamples },
    2,
  );
  note(
    `  (catalogue.list('dept-3/proj-7/') returns ${all[0].probe.listed} of ${meta.stats.live} live files, ` +
      'but scans every name: the cost grows with the catalogue, not with the answer)',
  );
  const serialiseSamples = all.map((r) => r.probe.serialiseMs);
  figure({
    name: 'snapshot_serialise_1m',
    value: median(serialiseSamples),
    unit: 'ms',
    samples: serialiseSamples,
  });
  figure({ name: 'snapshot_save_1m', value: median(saveSamples), unit: 'ms', samples: saveSamples });
  note(
    '  (serialise = toSnapshot + JSON.stringify; save = that plus the INSERT into audit.db. Both run ' +
      'synchronously on the event loop, every snapshotEvery events and at shutdown)',
  );
  ratioFigure('startup_snapshot_vs_nosnapshot', ready.get('snapshot')!, ready.get('nosnapshot')!);

  const withSnapshot = ready.get('snapshot')!;
  const withTail = ready.get('snapshot_tail10k')!;
  note(
    `summary: with 1M events a start takes ${fmt(ready.get('nosnapshot')!)} without a snapshot, ` +
      `${fmt(withSnapshot)} with one, ${fmt(withTail)} with a 10k-event tail after it; ` +
      `target < ${TARGET_MS} ms with a snapshot: ${withSnapshot < TARGET_MS && withTail < TARGET_MS ? 'MET' : 'MISSED'}.`,
  );
}

function fmt(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}

async function probe(...flags: string[]): Promise<ProbeResult> {
  const finished = await runProbe('startup-probe', [FOLDER, ...flags], 600_000);
  if (finished.code !== 0) throw new Error(`startup probe exited ${finished.code}: ${finished.stderr}`);
  return JSON.parse(finished.stdout.trim().split('\n').pop()!) as ProbeResult;
}

async function ensureFolder(): Promise<Meta> {
  const stale = staleReason();
  if (stale === undefined) {
    const meta = JSON.parse(readFileSync(META, 'utf8')) as Meta;
    note(`using the cached folder ${FOLDER} (generated ${meta.generatedAt}; delete it to regenerate)`);
    return meta;
  }
  note(`generating ${TOTAL_EVENTS} events into ${FOLDER} (${stale}); this takes a few minutes`);
  for (const path of [FOLDER, META, SAVED_SNAPSHOTS]) rmSync(path, { recursive: true, force: true });
  mkdirSync(FOLDER, { recursive: true });
  const stats = await generateFolder(FOLDER, TOTAL_EVENTS, TAIL_EVENTS);
  if (stats.events !== TOTAL_EVENTS) throw new Error(`generated ${stats.events} events, not ${TOTAL_EVENTS}`);
  keepSnapshotsAside();
  const meta: Meta = {
    generatorVersion: GENERATOR_VERSION,
    migrations: migrationFiles(),
    snapshotFormat: SNAPSHOT_FORMAT,
    generatedAt: new Date().toISOString(),
    stats,
  };
  writeFileSync(META, `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

/** Why the cached folder cannot be used, or undefined if it can. */
function staleReason(): string | undefined {
  if (!existsSync(META) || !existsSync(join(FOLDER, 'audit.db')) || !existsSync(SAVED_SNAPSHOTS)) {
    return 'no cached folder';
  }
  const meta = JSON.parse(readFileSync(META, 'utf8')) as Meta;
  if (meta.generatorVersion !== GENERATOR_VERSION) return 'the generator changed';
  if (meta.snapshotFormat !== SNAPSHOT_FORMAT) return 'the snapshot format changed';
  const files = migrationFiles();
  const db = new Database(join(FOLDER, 'audit.db'), { readonly: true, fileMustExist: true });
  try {
    const applied = db.prepare('SELECT count(*) FROM schema_migrations').pluck().get() as number;
    if (applied !== files || meta.migrations !== files) {
      return `schema_migrations has ${applied} rows, migrations/ ${files} files`;
    }
    const last = db.prepare('SELECT max(seq) FROM events').pluck().get() as number;
    if (last !== TOTAL_EVENTS) return `the cached log has ${last} events`;
  } finally {
    db.close();
  }
  const saved = new Database(SAVED_SNAPSHOTS, { readonly: true });
  try {
    const seqs = saved
      .prepare('SELECT seq FROM saved WHERE format = ? ORDER BY seq')
      .pluck()
      .all(SNAPSHOT_FORMAT);
    if (seqs.join() !== `${TOTAL_EVENTS - TAIL_EVENTS},${TOTAL_EVENTS}`)
      return 'the saved snapshots are missing';
  } finally {
    saved.close();
  }
  return undefined;
}

function migrationFiles(): number {
  return readdirSync(MIGRATIONS).filter((name) => /^\d+_[\w-]+\.sql$/.test(name)).length;
}

function keepSnapshotsAside(): void {
  const db = new Database(SAVED_SNAPSHOTS);
  try {
    db.exec('CREATE TABLE saved (seq INTEGER PRIMARY KEY, last_at TEXT, format INTEGER, state TEXT)');
    db.prepare('ATTACH DATABASE ? AS audit').run(join(FOLDER, 'audit.db'));
    db.exec('INSERT INTO saved SELECT seq, last_at, format, state FROM audit.snapshots');
  } finally {
    db.close();
  }
}

/**
 * Leaves exactly one snapshot (the saved one at `seq`) in the folder, or none. Snapshots are derived data
 * and their table has no append-only triggers, so this edits nothing the audit trail depends on.
 */
function setSnapshot(seq: number | undefined): void {
  const db = new Database(join(FOLDER, 'audit.db'), { fileMustExist: true });
  try {
    db.prepare('ATTACH DATABASE ? AS side').run(SAVED_SNAPSHOTS);
    db.transaction(() => {
      db.exec('DELETE FROM main.snapshots');
      if (seq !== undefined) {
        db.prepare(
          'INSERT INTO main.snapshots (seq, last_at, format, state) SELECT seq, last_at, format, state FROM side.saved WHERE seq = ?',
        ).run(seq);
      }
    })();
  } finally {
    db.close();
  }
}

function describeFolder(meta: Meta): void {
  const { stats } = meta;
  figure({ name: 'startup_generate_1m_events', value: stats.seconds, unit: 's' });
  figure({ name: 'startup_generate_rate', value: stats.events / stats.seconds, unit: 'events/s' });
  note(
    `  generated ${meta.generatedAt} through the real handlers (disk store, SQLite log, Merkle tree, ` +
      `checkpoints): ${stats.events} events in ${stats.sessions} sessions; ${stats.names} names ` +
      `(of ${DISTINCT_NAMES} possible), ${stats.versions} versions, ${stats.live} live at the end`,
  );
  const operations = Object.entries(stats.operations)
    .map(
      ([op, s]) =>
        `${op} ${s.count} (mean ${(s.totalMs / s.count).toFixed(1)} ms, max ${s.maxMs.toFixed(0)} ms)`,
    )
    .join('; ');
  note(`  operations (latency under 128 concurrent sessions): ${operations}`);

  const auditDb = join(FOLDER, 'audit.db');
  const wal = `${auditDb}-wal`;
  const dbBytes = statSync(auditDb).size + (existsSync(wal) ? statSync(wal).size : 0);
  figure({ name: 'audit_db_size_1m', value: dbBytes / 1e6, unit: 'MB' });
  const db = new Database(auditDb, { readonly: true });
  try {
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    note(
      `  audit.db ${formatBytes(dbBytes)}: ${count('SELECT count(*) FROM events')} events, ` +
        `${count('SELECT count(*) FROM merkle_nodes')} Merkle nodes, ` +
        `${count('SELECT count(*) FROM checkpoints')} checkpoints; ` +
        `records ${formatBytes(count('SELECT sum(length(record)) FROM events'))}`,
    );
  } catch (error) {
    note(`  (could not count the tables: ${String(error)})`);
  } finally {
    db.close();
  }
  const saved = new Database(SAVED_SNAPSHOTS, { readonly: true });
  try {
    const rows = saved.prepare('SELECT seq, length(state) AS bytes FROM saved ORDER BY seq').all() as {
      seq: number;
      bytes: number;
    }[];
    for (const row of rows) {
      const name = row.seq === TOTAL_EVENTS ? 'snapshot_size_1m' : 'snapshot_size_990k';
      figure({ name, value: row.bytes / 1e6, unit: 'MB' }, 1);
    }
  } finally {
    saved.close();
  }
}

/** The blobs folder, for the record (du, so it counts blocks, not just bytes). */
export async function blobsSize(dir: string): Promise<string> {
  const result = await run('du', ['-sh', join(dir, 'blobs')]);
  return result.stdout.split('\t')[0] ?? '?';
}
