import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointNote } from '../src/domain/audit/checkpoint-note';
import { consistencyProof } from '../src/domain/audit/merkle';
import { verifierKey } from '../src/domain/audit/signed-note';
import { storedNodes } from '../src/domain/audit/stored-nodes';
import { FerryEvent } from '../src/domain/events';
import { formatAddCheckpointRequest } from '../src/domain/witness/add-checkpoint-request';
import { sha256 } from '../src/infra/crypto/sha256';
import { dataFolderSigningKey, readDataFolderPublicKey } from '../src/infra/crypto/signing-key-files';
import { SqliteAuditReader } from '../src/infra/sqlite/sqlite-audit-reader';
import { SqliteEventLog } from '../src/infra/sqlite/sqlite-event-log';
import { BENCH_ROOT } from './lib/bench-root';
import { FERRY_MAIN, startFerryServer } from './lib/ferry-server-process';
import { quantile, runLoad } from './lib/load-mix';
import { spawnTracked } from './lib/processes';
import { figure, heading, note } from './lib/report';
import { median, perSecond } from './lib/stats';

export interface WitnessBenchmarkOptions {
  readonly reps: number;
}

const WORK = join(BENCH_ROOT, 'witness');
const ORIGIN = 'bench.example/log';
/** A checkpoint every this many events: many checkpoints to submit. */
const EVENTS_PER_CHECKPOINT = 10;
const CHECKPOINTS = 2000;
const LOAD_CLIENTS = 50;
const LOAD_MS = 15_000;

/**
 * `npm run bench -- witness`: what witnessing costs.
 * - A `ferry witness serve` process taking add-checkpoint requests one after another, each with its
 *   consistency proof, for 2,000 checkpoints of a growing log: latency and rate (each request checks a
 *   signature and a proof, stores the new head with SQLite's FULL sync, and signs).
 * - The load benchmark's mix (50 clients, 15 s) against `ferry serve` alone and with `--witness`, side by
 *   side, alternating, with a checkpoint every 100 events so that every poll finds one to submit.
 */
export async function witnessBenchmark(options: WitnessBenchmarkOptions): Promise<void> {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  try {
    await witnessRequests();
    await loadWithAndWithoutWitness(options.reps);
  } finally {
    rmSync(WORK, { recursive: true, force: true });
  }
}

async function witnessRequests(): Promise<void> {
  heading(`witness: ${CHECKPOINTS} add-checkpoint requests, one after another`);
  const dataDir = join(WORK, 'log');
  const logKey = await syntheticLog(dataDir, CHECKPOINTS * EVENTS_PER_CHECKPOINT);
  const witness = await startWitness(join(WORK, 'witness-a'), logKey);
  const reader = SqliteAuditReader.open(join(dataDir, 'audit.db'));
  if (!reader.ok) throw new Error(reader.failure.message);
  const raw = readRawPublicKey(dataDir);
  try {
    const latencies: number[] = [];
    let old = 0;
    let refused = 0;
    const started = performance.now();
    for (const checkpoint of [...reader.value.checkpoints()]) {
      const proof = consistencyProof(sha256, storedNodes(reader.value), old, checkpoint.size);
      const note = checkpointNote(sha256, checkpoint, raw);
      const body = formatAddCheckpointRequest({ oldSize: old, proof, note });
      const sent = performance.now();
      const response = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body });
      await response.text();
      latencies.push(performance.now() - sent);
      if (response.status === 200) old = checkpoint.size;
      else refused++;
    }
    const elapsed = performance.now() - started;
    note(`${latencies.length} requests, ${refused} refused`);
    figure({
      name: 'witness_add_checkpoint_per_s',
      value: perSecond(latencies.length, elapsed),
      unit: 'req/s',
    });
    figure({ name: 'witness_add_checkpoint_p50', value: quantile(latencies, 0.5), unit: 'ms' }, 2);
    figure({ name: 'witness_add_checkpoint_p99', value: quantile(latencies, 0.99), unit: 'ms' }, 2);
    figure({ name: 'witness_refused', value: refused, unit: 'requests' });
  } finally {
    reader.value.close();
    witness.stop();
  }
}

async function loadWithAndWithoutWitness(reps: number): Promise<void> {
  heading(`witness: load of ${LOAD_CLIENTS} clients for ${LOAD_MS / 1000} s, alone and with a witness`);
  const alone: number[] = [];
  const witnessed: number[] = [];
  const cosigned: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    alone.push(await loadRun(join(WORK, `alone-${rep}`), false).then((run) => run.opsPerSecond));
    const run = await loadRun(join(WORK, `witnessed-${rep}`), true);
    witnessed.push(run.opsPerSecond);
    cosigned.push(run.cosignatures);
  }
  figure({ name: 'witness_load_ops_per_s_alone', value: median(alone), unit: 'ops/s', samples: alone });
  figure({
    name: 'witness_load_ops_per_s_witnessed',
    value: median(witnessed),
    unit: 'ops/s',
    samples: witnessed,
  });
  const ratios = alone.map((value, index) => witnessed[index] / value);
  figure({ name: 'witness_load_witnessed_vs_alone', value: median(ratios), unit: 'x', samples: ratios }, 3);
  figure({
    name: 'witness_load_cosignatures',
    value: median(cosigned),
    unit: 'checkpoints',
    samples: cosigned,
  });
}

async function loadRun(
  dataDir: string,
  witnessed: boolean,
): Promise<{ opsPerSecond: number; cosignatures: number }> {
  mkdirSync(dataDir, { recursive: true });
  const flags = ['--checkpoint-events', '100', '--max-connections-per-address', String(LOAD_CLIENTS + 10)];
  let witness: { url: string; key: string; stop(): void } | undefined;
  if (witnessed) {
    // A first start makes the key and names the log; the witness is told that key.
    await (await startFerryServer(dataDir)).stop();
    const logKey = ferry(['audit', 'key', '--note', '--data', dataDir]);
    witness = await startWitness(`${dataDir}-witness`, logKey);
    flags.push('--witness', `${witness.url}=${witness.key}`);
  }
  const server = await startFerryServer(dataDir, flags);
  try {
    const result = await runLoad(
      { host: server.host, port: server.port },
      { clients: LOAD_CLIENTS, durationMs: LOAD_MS },
    );
    const operations = [...result.latencies.values()].reduce((sum, list) => sum + list.length, 0);
    if (result.errors.length > 0) note(`${result.errors.length} errors, e.g. ${result.errors[0]}`);
    // One more poll, for the last checkpoint of the run.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return {
      opsPerSecond: perSecond(operations, result.elapsedMs),
      cosignatures: witnessed ? cosignatures(dataDir) : 0,
    };
  } finally {
    await server.stop();
    witness?.stop();
  }
}

/** How many checkpoints the witness cosigned: one a poll, the newest, not every one. */
function cosignatures(dataDir: string): number {
  const db = new Database(join(dataDir, 'audit.db'), { readonly: true });
  try {
    const checkpoints = db
      .prepare('SELECT count(*) FROM checkpoints WHERE tree_size > 1')
      .pluck()
      .get() as number;
    const cosigned = db.prepare('SELECT count(*) FROM checkpoint_cosignatures').pluck().get() as number;
    note(`${cosigned} of ${checkpoints} checkpoints cosigned (one poll a second submits only the newest)`);
    return cosigned;
  } finally {
    db.close();
  }
}

/** A named log of `events` uploads in the SQLite event log, a checkpoint every few events; its verifier key. */
async function syntheticLog(dataDir: string, events: number): Promise<string> {
  mkdirSync(dataDir, { recursive: true });
  const log = new SqliteEventLog({
    file: join(dataDir, 'audit.db'),
    now: () => new Date().toISOString(),
    checkpoints: {
      key: dataFolderSigningKey(dataDir),
      policy: { everyEvents: EVENTS_PER_CHECKPOINT, everySeconds: 3600 },
    },
  });
  const origin = { actor: 'bench', session: 'bench', remote: 'local' };
  const at = new Date().toISOString();
  const event = (seq: number): FerryEvent =>
    (seq === 1
      ? { ...origin, seq, id: `e${seq}`, at, type: 'LogNamed', payload: { origin: ORIGIN } }
      : {
          ...origin,
          seq,
          id: `e${seq}`,
          at,
          type: 'FileUploaded',
          payload: { name: `f${seq}`, version: 1, sha256: 'a'.repeat(64), size: seq },
        }) as FerryEvent;
  for (let seq = 1; seq <= events; seq += EVENTS_PER_CHECKPOINT) {
    await log.append(Array.from({ length: EVENTS_PER_CHECKPOINT }, (_, i) => event(seq + i)));
  }
  await log.close();
  return verifierKey(sha256, ORIGIN, readRawPublicKey(dataDir));
}

function readRawPublicKey(dataDir: string): Uint8Array {
  const key = readDataFolderPublicKey(dataDir);
  if (!key.ok || key.value === undefined) throw new Error(`no public key in ${dataDir}`);
  return key.value.rawPublicKey;
}

function ferry(args: readonly string[]): string {
  return execFileSync(process.execPath, [FERRY_MAIN, ...args], { encoding: 'utf8', timeout: 60_000 }).trim();
}

/** `ferry witness serve` on 127.0.0.1, port 0, trusting `logKey`. */
function startWitness(keyDir: string, logKey: string): Promise<{ url: string; key: string; stop(): void }> {
  const child = spawnTracked(
    process.execPath,
    [
      FERRY_MAIN,
      'witness',
      'serve',
      '--port',
      '0',
      '--key-dir',
      keyDir,
      '--log',
      logKey,
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('exit', (code) => reject(new Error(`ferry witness serve exited ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/[\d.]+:\d+)\n/.exec(output)?.[1];
      const key = /verifier key (\S+)\n/.exec(output)?.[1];
      if (url === undefined || key === undefined) return;
      resolve({ url, key, stop: () => child.kill('SIGTERM') });
    });
  });
}
