import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const FERRY_BIN = join(__dirname, '../../bin/ferry');

if (!existsSync(join(__dirname, '../../dist/cli/main.js'))) {
  throw new Error('dist/ is missing: run `npm run build` (npm test does) before the binary tests');
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `ferry <args>` to completion. */
export function runFerry(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [FERRY_BIN, ...args],
      {
        env: { ...process.env, ...options.env },
        cwd: options.cwd,
        timeout: 30_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly server: string;
  readonly banner: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `ferry serve` on port 0 and reads the port it actually bound from its banner line. */
export function startServerProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  return startListeningProcess(['serve', '--port', '0', ...args], env, /listening on ([\d.]+):(\d+)/);
}

/** Starts `ferry witness serve` on port 0; `server` is its URL's host and port. */
export function startWitnessProcess(args: string[]): Promise<ServerProcess> {
  return startListeningProcess(
    ['witness', 'serve', '--port', '0', ...args],
    {},
    /listening on http:\/\/([\d.]+):(\d+)\n/,
  );
}

function startListeningProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  banner: RegExp,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [FERRY_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    let everything = '';
    child.stderr.on('data', (chunk: Buffer) => (everything += chunk.toString()));
    const timer = setTimeout(() => reject(new Error(`no banner: ${output}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      everything += chunk.toString();
      output += chunk.toString();
      const match = banner.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        child,
        banner: output.split('\n')[0],
        server: `${match[1]}:${match[2]}`,
        output: () => everything,
        stop: (signal = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

export interface BinaryServerFixture {
  readonly dataDir: string;
  /** A scratch folder the CLI runs in. */
  readonly work: string;
  readonly server: ServerProcess;
  /** Runs `ferry <args> --server <this server>` in the scratch folder. */
  ferry(...args: string[]): Promise<RunResult>;
}

/** One `ferry serve` process for the whole describe block, with its own data and scratch folders. */
export function binaryServerFixture(
  makeTempDir: (prefix?: string) => string,
  remove: (dir: string) => void,
): BinaryServerFixture {
  const state: { dataDir?: string; work?: string; server?: ServerProcess } = {};
  beforeAll(async () => {
    state.dataDir = makeTempDir();
    state.work = makeTempDir('ferry-cli-');
    state.server = await startServerProcess(['--data', state.dataDir, '--log-level', 'error']);
  });
  afterAll(async () => {
    await state.server?.stop();
    if (state.dataDir) remove(state.dataDir);
    if (state.work) remove(state.work);
  });
  return {
    get dataDir() {
      return state.dataDir!;
    },
    get work() {
      return state.work!;
    },
    get server() {
      return state.server!;
    },
    ferry: (...args) => runFerry([...args, '--server', state.server!.server], { cwd: state.work }),
  };
}
