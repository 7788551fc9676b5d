import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_ROOT } from './lib/bench-root';
import { startFerryServer } from './lib/ferry-server-process';
import { LoadOperation, quantile, runLoad } from './lib/load-mix';
import { peakRssKiB, sleep } from './lib/processes';
import { figure, heading, note } from './lib/report';
import { perSecond } from './lib/stats';

export interface LoadBenchmarkOptions {
  /** 20 clients for 5 s instead of 200 for 60 s. */
  readonly quick: boolean;
}

const WORK = join(BENCH_ROOT, 'load');

/**
 * `npm run bench -- load`: 200 clients at once against `ferry serve` on loopback (durable, disk, SQLite),
 * each doing a mix of 4 KiB and 1 MiB uploads, downloads, listings and deletes for 60 s. Prints operations
 * per second, p50 and p99 latency per operation, errors and damaged files (both must be 0), the server's
 * peak RSS, and its open file handles once the clients are gone against before they came.
 */
export async function loadBenchmark(options: LoadBenchmarkOptions): Promise<void> {
  const clients = options.quick ? 20 : 200;
  const durationMs = options.quick ? 5000 : 60_000;
  heading(`load: ${clients} clients, mixed operations, ${durationMs / 1000} s`);
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const server = await startFerryServer(WORK, ['--max-connections-per-address', String(clients + 10)]);
  try {
    await sleep(500);
    const idleHandles = openHandles(server.pid);
    const result = await runLoad({ host: server.host, port: server.port }, { clients, durationMs });
    const peakMiB = (peakRssKiB(server.pid) ?? NaN) / 1024;
    // The sessions' closing events are committed just after the clients see their goodbye.
    await sleep(1000);
    const handlesAfter = openHandles(server.pid);
    const operations = [...result.latencies.values()].reduce((sum, list) => sum + list.length, 0);
    figure({ name: 'load_ops_per_s', value: perSecond(operations, result.elapsedMs), unit: 'ops/s' });
    for (const [operation, latencies] of result.latencies) reportLatency(operation, latencies);
    figure({ name: 'load_errors', value: result.errors.length, unit: 'errors' });
    figure({ name: 'load_damaged_files', value: result.damaged.length, unit: 'files' });
    note(`checked ${result.checked} acknowledged files at the end`);
    for (const error of [...result.errors, ...result.damaged].slice(0, 10)) note(`  ${error}`);
    figure({ name: 'load_server_peak_rss', value: peakMiB, unit: 'MiB' });
    figure({ name: 'load_server_handles_idle', value: idleHandles, unit: 'fds' });
    figure({ name: 'load_server_handles_after', value: handlesAfter, unit: 'fds' });
  } finally {
    await server.stop();
    rmSync(WORK, { recursive: true, force: true });
  }
}

function reportLatency(operation: LoadOperation, latencies: readonly number[]): void {
  const name = `load_${operation.replace(/-/g, '_')}`;
  figure({ name: `${name}_count`, value: latencies.length, unit: 'ops' });
  figure({ name: `${name}_p50`, value: quantile(latencies, 0.5), unit: 'ms' }, 1);
  figure({ name: `${name}_p99`, value: quantile(latencies, 0.99), unit: 'ms' }, 1);
}

function openHandles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
