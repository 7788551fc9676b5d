import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { FerryServerProcess } from './ferry-server-process';
import { BENCH_DIST, spawnTracked } from './processes';

/**
 * `ferry serve` with extra flags (TLS, limits, bans) and `ferry user add` on its data folder: what
 * ferry-server-process.ts does for the transfer benchmark, for benchmarks that need accounts and limits.
 * Both run the `ferry` entry compiled with the benchmarks (the same code `npm run build` puts behind bin/ferry).
 */
const FERRY_MAIN = join(BENCH_DIST, '..', 'src', 'cli', 'main.js');

/** `ferry user add <name> --role <role> --password-stdin --data <dir>`, with the server stopped. */
export function addFerryAccount(dataDir: string, name: string, password: string, role = 'write'): void {
  execFileSync(
    process.execPath,
    [FERRY_MAIN, 'user', 'add', name, '--role', role, '--password-stdin', '--data', dataDir],
    { input: password, stdio: ['pipe', 'ignore', 'pipe'], timeout: 60_000 },
  );
}

/** `ferry serve --host 127.0.0.1 --port 0 --data <dataDir> --log-level error <flags...>`. */
export function startFerryServerWithFlags(
  dataDir: string,
  flags: readonly string[],
): Promise<FerryServerProcess> {
  const child = spawnTracked(
    process.execPath,
    [
      FERRY_MAIN,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data',
      dataDir,
      '--log-level',
      'error',
      ...flags,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    const timer = setTimeout(
      () => fail(new Error(`ferry serve printed no banner: ${output}${errors}`)),
      60_000,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const early = (code: number | null) => fail(new Error(`ferry serve exited ${code}: ${errors}`));
    child.once('exit', early);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on ([\d.]+):(\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', early);
      resolve({
        pid: child.pid!,
        host: match[1],
        port: Number(match[2]),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          const code = await exited;
          clearTimeout(killer);
          return code;
        },
      });
    });
  });
}
