import { ChildProcess, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DIST, spawnTracked } from './processes';

/** The `ferry` binary's entry as compiled with the benchmarks (the same code `npm run build` makes). */
export const FERRY_MAIN = join(BENCH_DIST, '..', 'src', 'cli', 'main.js');

/** `ferry user key add <name> <public-key-file> --data <dir>`, with the server stopped. */
export function addFerryKey(dataDir: string, name: string, publicKeyFile: string): void {
  execFileSync(process.execPath, [FERRY_MAIN, 'user', 'key', 'add', name, publicKeyFile, '--data', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  });
}

/** `ferry user add <name> --role <role> --password-stdin --data <dir>`, with the server stopped. */
export function addFerryAccount(dataDir: string, name: string, password: string, role = 'write'): void {
  execFileSync(
    process.execPath,
    [FERRY_MAIN, 'user', 'add', name, '--role', role, '--password-stdin', '--data', dataDir],
    { input: password, stdio: ['pipe', 'ignore', 'pipe'], timeout: 60_000 },
  );
}

export interface FerryServerProcess {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  /** The SFTP port, when `flags` hold `--sftp-port` (its banner line is awaited too). */
  readonly sftpPort?: number;
  /** SIGTERM (graceful: requests finish, sessions are closed in the log), then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `ferry serve --port 0` with disk storage in `dataDir`, bound to 127.0.0.1 only, then `flags` (TLS, limits,
 * bans, `--sftp-port 0`).
 */
export function startFerryServer(
  dataDir: string,
  flags: readonly string[] = [],
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
  const sftp = flags.includes('--sftp-port');
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
      const sftpMatch = /SFTP listening on [\d.]+:(\d+)/.exec(output);
      if (!match || (sftp && !sftpMatch)) return;
      clearTimeout(timer);
      child.off('exit', early);
      const sftpPort = sftpMatch ? Number(sftpMatch[1]) : undefined;
      resolve(serverProcess(child, match[1], Number(match[2]), sftpPort, exited));
    });
  });
}

function serverProcess(
  child: ChildProcess,
  host: string,
  port: number,
  sftpPort: number | undefined,
  exited: Promise<number | null>,
): FerryServerProcess {
  return {
    pid: child.pid!,
    host,
    port,
    sftpPort,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
