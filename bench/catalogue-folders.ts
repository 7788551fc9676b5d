import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrate, MIGRATIONS_DIR } from '../src/infra/sqlite/migrations';
import { WORKLOAD_VERSION, WorkloadState } from './catalogue-workload';
import { CATALOGUE_CACHE } from './lib/bench-root';
import { BENCH_DIST, run, spawnTracked } from './lib/processes';
import { note } from './lib/report';
import { DatabaseSpace, measureSpace } from './lib/sqlite-space';

/**
 * The catalogue benchmark's data folders, made once and cached in CATALOGUE_CACHE:
 * `files-<N>/` is a data folder with N live files, `files-<N>.json` its stamp (the workload version and
 * the migrations it was made with, the workload's state to continue from, how long it took, its counts
 * and its space per table). Stages grow one folder (`growing/`): 100,000 files, copied aside, then on to
 * 1,000,000, copied aside, then on to 10,000,000, which is moved into place. A stage whose stamp is
 * missing or stale is made again from the largest good stage below it.
 */

export const STAGES = [100_000, 1_000_000, 10_000_000] as const;
const GROWING = join(CATALOGUE_CACHE, 'growing');
/** Simulated clients in flight while generating: enough that a group commit holds several hundred events. */
const IN_FLIGHT = 1024;

export interface Counts {
  readonly events: number;
  readonly sessions: number;
  readonly names: number;
  readonly liveFiles: number;
  readonly versions: number;
  readonly deletions: number;
  readonly requestIds: number;
  readonly blobs: number;
}

export interface StageStamp {
  readonly workloadVersion: number;
  readonly migrations: readonly string[];
  readonly files: number;
  readonly generatedAt: string;
  /** This stage alone: from the stage below it (or from nothing). */
  readonly stage: { readonly fromFiles: number; readonly seconds: number; readonly events: number };
  /** Every stage up to this one. */
  readonly totalSeconds: number;
  readonly counts: Counts;
  readonly space: DatabaseSpace;
  readonly blobsBytes: number;
  readonly state: WorkloadState;
}

export interface CachedFolder {
  readonly dir: string;
  readonly stamp: StageStamp;
}

export function folderOf(files: number): string {
  return join(CATALOGUE_CACHE, `files-${files}`);
}

function stampFile(files: number): string {
  return `${folderOf(files)}.json`;
}

/** Each migration's file name and the start of its SHA-256: a schema change makes the folders stale. */
function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d+_[\w-]+\.sql$/.test(name))
    .sort()
    .map((name) => `${name}:${sha256(readFileSync(join(MIGRATIONS_DIR, name))).slice(0, 12)}`);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The stamp of a cached stage, or why it cannot be used. */
function readStamp(files: number): StageStamp | string {
  if (!existsSync(stampFile(files)) || !existsSync(join(folderOf(files), 'audit.db'))) return 'not made yet';
  const stamp = JSON.parse(readFileSync(stampFile(files), 'utf8')) as StageStamp;
  if (stamp.workloadVersion !== WORKLOAD_VERSION) {
    return `made by workload version ${stamp.workloadVersion}, now ${WORKLOAD_VERSION}`;
  }
  const current = migrationFiles();
  const older = stamp.migrations.every((migration, i) => current[i] === migration);
  if (!older || stamp.migrations.length > current.length) {
    return 'made with other migrations (or other versions of them)';
  }
  return stamp.migrations.length === current.length ? stamp : upgrade(files, stamp, current);
}

/**
 * A folder made before newer migrations is carried forward as an operator's would be: opened once, which
 * applies them, and stamped again. Hours of generating are not thrown away for an added column.
 */
function upgrade(files: number, stamp: StageStamp, migrations: string[]): StageStamp {
  note(`catalogue: migrating the ${files}-file folder to ${migrations.length} migrations`);
  const started = performance.now();
  const db = new Database(join(folderOf(files), 'audit.db'));
  try {
    migrate(db, () => new Date().toISOString());
  } finally {
    db.close();
  }
  note(`catalogue: migrated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const upgraded = { ...stamp, migrations, space: measureSpace(join(folderOf(files), 'audit.db')) };
  writeFileSync(`${stampFile(files)}.tmp`, `${JSON.stringify(upgraded)}\n`);
  renameSync(`${stampFile(files)}.tmp`, stampFile(files));
  return upgraded;
}

/** Every stage up to `files`, made if missing; returns the folder of `files` files. */
export async function ensureFolder(files: number): Promise<CachedFolder> {
  const needed = STAGES.filter((stage) => stage <= files);
  if (needed[needed.length - 1] !== files) throw new Error(`no stage of ${files} files`);
  let below: CachedFolder | undefined;
  /** Whether `growing/` holds exactly the stage `below`, so it need not be copied back. */
  let growingHoldsBelow = false;
  for (const stage of needed) {
    const stamp = readStamp(stage);
    if (typeof stamp !== 'string') {
      below = { dir: folderOf(stage), stamp };
      growingHoldsBelow = false;
      continue;
    }
    note(`catalogue: the ${stage}-file folder is ${stamp}: generating it`);
    takeGenerationLock();
    if (!growingHoldsBelow) {
      rmSync(GROWING, { recursive: true, force: true });
      if (below) await copyFolder(below.dir, GROWING);
      else mkdirSync(GROWING, { recursive: true });
    }
    const last = stage === files;
    below = await grow(stage, below, last);
    growingHoldsBelow = !last;
  }
  if (!below) throw new Error('no stage made');
  return below;
}

/**
 * One generating run per cache: `growing/` is removed and rebuilt by whoever generates, so a second run
 * must not start while a first one is at it. Released when this process exits.
 */
function takeGenerationLock(): void {
  if (generationLocked) return;
  mkdirSync(CATALOGUE_CACHE, { recursive: true });
  const lock = join(CATALOGUE_CACHE, 'generating.pid');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (isAlive(pid))
      throw new Error(`process ${pid} is generating folders in ${CATALOGUE_CACHE}; wait for it`);
  }
  writeFileSync(lock, String(process.pid));
  generationLocked = true;
  process.once('exit', () => rmSync(lock, { force: true }));
}

let generationLocked = false;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Grows `growing/` from the stage below to `files` files, then copies (or, if `last`, moves) it into place. */
async function grow(files: number, below: CachedFolder | undefined, last: boolean): Promise<CachedFolder> {
  const stateFile = join(CATALOGUE_CACHE, 'growing.state.json');
  if (below) writeFileSync(stateFile, JSON.stringify(below.stamp.state));
  else rmSync(stateFile, { force: true });
  const result = await generate(GROWING, stateFile, files);
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as WorkloadState;
  const space = measureSpace(join(GROWING, 'audit.db'));
  const stamp: StageStamp = {
    workloadVersion: WORKLOAD_VERSION,
    migrations: migrationFiles(),
    files,
    generatedAt: new Date().toISOString(),
    stage: { fromFiles: below?.stamp.files ?? 0, seconds: result.seconds, events: result.events },
    totalSeconds: state.seconds,
    counts: countRows(join(GROWING, 'audit.db'), state),
    space,
    blobsBytes: await diskUsage(join(GROWING, 'blobs')),
    state,
  };
  if (stamp.counts.liveFiles !== files) {
    throw new Error(`generated ${stamp.counts.liveFiles} live files, not ${files}`);
  }
  rmSync(folderOf(files), { recursive: true, force: true });
  if (last) renameSync(GROWING, folderOf(files));
  else await copyFolder(GROWING, folderOf(files));
  writeFileSync(`${stampFile(files)}.tmp`, `${JSON.stringify(stamp)}\n`);
  renameSync(`${stampFile(files)}.tmp`, stampFile(files));
  rmSync(stateFile, { force: true });
  return { dir: folderOf(files), stamp };
}

interface GenerateResult {
  readonly seconds: number;
  readonly events: number;
  readonly files: number;
}

/** Runs bench/probes/catalogue-generate.js in its own process, relaying its progress lines. */
function generate(dir: string, stateFile: string, files: number): Promise<GenerateResult> {
  const probe = join(BENCH_DIST, 'probes', 'catalogue-generate.js');
  const child = spawnTracked(
    process.execPath,
    [probe, dir, stateFile, String(files), '--in-flight', String(IN_FLIGHT)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let last = '';
  let errors = '';
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (line.startsWith('# ')) note(`  ${line.slice(2)}`);
      else if (line.trim() !== '') last = line;
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`catalogue-generate exited ${code}: ${errors}`));
      else resolve(JSON.parse(last) as GenerateResult);
    });
  });
}

function countRows(file: string, state: WorkloadState): Counts {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      events: count('SELECT max(seq) FROM events'),
      sessions: state.sessions,
      names: count('SELECT count(*) FROM catalogue_names'),
      liveFiles: count('SELECT count(*) FROM catalogue_live'),
      versions: count('SELECT count(*) FROM catalogue_versions'),
      deletions: count('SELECT count(*) FROM catalogue_deletions'),
      requestIds: count('SELECT count(*) FROM catalogue_requests'),
      blobs: blobCount(join(file, '..', 'blobs')),
    };
  } finally {
    db.close();
  }
}

function blobCount(blobs: string): number {
  return readdirSync(blobs).reduce((sum, shard) => sum + readdirSync(join(blobs, shard)).length, 0);
}

/** `cp -a`: the folder as it is, permissions and times included (the data folder keeps its key 0600). */
export async function copyFolder(from: string, to: string): Promise<void> {
  rmSync(to, { recursive: true, force: true });
  const copied = await run('cp', ['-a', from, to], 3_600_000);
  if (copied.code !== 0) throw new Error(`cp -a ${from} ${to} failed: ${copied.stderr}`);
}

/** Bytes on disk (du), which for a folder of small blobs counts whole blocks. */
export async function diskUsage(path: string): Promise<number> {
  const result = await run('du', ['-s', '--block-size=1', path]);
  return Number(result.stdout.split('\t')[0]);
}

/** The size of one file, 0 if it does not exist. */
export function fileBytes(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}
