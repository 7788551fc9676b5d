import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIST, elapsedMs, now, run, runProbe, sleep, spawnTracked } from './lib/processes';

/**
 * The machine's ceilings, measured the way /work/shared/bench/baselines.sh measures them, so Ferry's
 * figures from the same run can be quoted as ratios. Each function returns one sample in ms, or
 * undefined if the sample failed.
 */

/** One run of Node's loopback pipe, in ms. */
export interface NetPipeTimes {
  /** On the server, from accept to end: node start-up excluded. */
  readonly serverMs: number;
  /** The client process's whole run, node start-up included, as a CLI command's is. */
  readonly clientMs: number;
}

/** Node's loopback pipe; `hashed`: both ends hash every byte (see net-pipe.ts). */
export async function netPipe(
  file: string,
  highWaterMark: number,
  expectedBytes: number,
  hashed = false,
): Promise<NetPipeTimes | undefined> {
  const mode = hashed ? ['sha256'] : [];
  const server = spawnTracked(
    process.execPath,
    [join(BENCH_DIST, 'probes', 'net-pipe.js'), 'server', ...mode],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  const lines = new Promise<string>((resolve) => {
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.once('exit', () => resolve(output));
  });
  const port = await new Promise<number | undefined>((resolve) => {
    const poll = setInterval(() => {
      const match = /^port (\d+)$/m.exec(output);
      if (match || server.exitCode !== null) {
        clearInterval(poll);
        resolve(match ? Number(match[1]) : undefined);
      }
    }, 10);
  });
  if (port === undefined) return undefined;
  const started = now();
  const client = await runProbe(
    'net-pipe',
    ['client', String(port), file, String(highWaterMark), ...mode],
    120_000,
  );
  const clientMs = elapsedMs(started);
  const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
  const result = /^(\d+) (\d+)$/m.exec(await lines);
  clearTimeout(timer);
  if (client.code !== 0 || !result || Number(result[1]) !== expectedBytes) return undefined;
  return { serverMs: Number(result[2]) / 1e6, clientMs };
}

/** SHA-256 of a 1 GiB buffer in 1 MiB chunks, in a fresh node process. */
export async function sha256Ms(): Promise<number | undefined> {
  const finished = await runProbe('sha256', [], 120_000);
  return finished.code === 0 ? Number(finished.stdout.trim()) / 1e6 : undefined;
}

/**
 * `dd bs=1M conv=fsync` of `source` into a new file. This VM's disk is bimodal (baselines.sh): writing
 * blocks freed more than ~5 s ago ("cold": rm, sync, idle 6 s) is much slower than rewriting blocks freed
 * a moment ago ("hot": rm, sync, write).
 */
export async function ddWriteMs(source: string, target: string, cold: boolean): Promise<number | undefined> {
  rmSync(target, { force: true });
  await run('sync', []);
  if (cold) await sleep(6000);
  const started = now();
  const finished = await run('dd', [`if=${source}`, `of=${target}`, 'bs=1M', 'conv=fsync', 'status=none']);
  const ms = elapsedMs(started);
  rmSync(target, { force: true });
  return finished.code === 0 ? ms : undefined;
}
