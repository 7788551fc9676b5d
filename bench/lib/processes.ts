import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The compiled bench folder (dist-bench/bench), where the probe scripts live. */
export const BENCH_DIST = join(__dirname, '..');

const children = new Set<ChildProcess>();

/** Children still running when the benchmark ends or is interrupted are killed, each by its own pid. */
export function killChildren(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion, killed after `timeoutMs`. */
export function run(command: string, args: readonly string[], timeoutMs = 120_000): Promise<Finished> {
  return new Promise((resolve) => {
    const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + String(error) });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a compiled probe (dist-bench/bench/probes/<name>.js) in a fresh node process. */
export function runProbe(name: string, args: readonly string[], timeoutMs = 300_000): Promise<Finished> {
  return run(process.execPath, [join(BENCH_DIST, 'probes', `${name}.js`), ...args], timeoutMs);
}

export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return track(spawn(command, args, options));
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** VmHWM (peak resident set) of a process, in KiB; undefined if /proc has no such process. */
export function peakRssKiB(pid: number): number | undefined {
  return statusField(pid, 'VmHWM');
}

export function rssKiB(pid: number): number | undefined {
  return statusField(pid, 'VmRSS');
}

/** Resets VmHWM to the current RSS (Linux >= 4.0: "5" to clear_refs), so each phase gets its own peak. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * CPU time (user + system, all threads) of a process in ms, from /proc/<pid>/stat; with `children`, plus
 * that of the descendants it has waited for (cutime + cstime). Undefined if there is no such process.
 */
export function cpuMs(pid: number, children = false): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 (state) on.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const [utime, stime, cutime, cstime] = fields.slice(11, 15);
    return ((utime + stime + (children ? cutime + cstime : 0)) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ, the unit of /proc/<pid>/stat times: 100 on Linux for x86 and arm. */
const CLOCK_TICKS = 100;

/** The pids of a process's living children (/proc/<pid>/task/<pid>/children). */
export function childPids(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text === '' ? [] : text.split(' ').map(Number);
  } catch {
    return [];
  }
}

function statusField(pid: number, field: string): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function elapsedMs(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1e6;
}

export const now = (): bigint => process.hrtime.bigint();
