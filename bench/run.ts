import 'reflect-metadata';
import { existsSync, lstatSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from './lib/machine';
import { killChildren } from './lib/processes';
import { allFigures, note } from './lib/report';
import { securityBenchmark } from './security';
import { catalogueBenchmark, CATALOGUE_SIZES } from './catalogue';
import { cliTransferBenchmark } from './cli-transfer';
import { loadBenchmark } from './load';
import { sftpBenchmark } from './sftp';
import { transferBenchmark } from './transfer';
import { witnessBenchmark } from './witness';

/**
 * `npm run bench [-- <name>... [--peers] [--reps N] [--quick]]`: runs every benchmark, or the ones named.
 * Benchmarks print figures (`name value unit`, each a median) and `#` notes; they assert nothing.
 * `--quick` runs the benchmarks that have a short mode (the same code on small inputs, once), as a smoke
 * test; alone, it runs only those.
 */
interface Options {
  readonly peers: boolean;
  readonly quick: boolean;
  readonly reps?: number;
  /** catalogue: only these folder sizes (0 = an empty folder). */
  readonly sizes?: readonly number[];
}

/** The benchmarks with a short mode. */
const QUICK_BENCHMARKS = ['cli-transfer', 'load'];

const BENCHMARKS: Record<string, (options: Options) => Promise<void>> = {
  catalogue: (options) => catalogueBenchmark({ reps: options.reps ?? 3, sizes: options.sizes }),
  transfer: (options) => transferBenchmark({ peers: options.peers, reps: options.reps ?? 3 }),
  'cli-transfer': (options) =>
    cliTransferBenchmark({ peers: options.peers, reps: options.reps ?? 3, quick: options.quick }),
  security: (options) => securityBenchmark({ reps: options.reps ?? 3 }),
  sftp: (options) => sftpBenchmark({ reps: options.reps ?? 3 }),
  load: (options) => loadBenchmark({ quick: options.quick }),
  witness: (options) => witnessBenchmark({ reps: options.reps ?? 3 }),
};

function parse(argv: readonly string[]): { names: string[]; options: Options } {
  const names: string[] = [];
  let peers = false;
  let quick = false;
  let reps: number | undefined;
  let sizes: number[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--peers') peers = true;
    else if (arg === '--quick') quick = true;
    else if (arg === '--sizes' || arg.startsWith('--sizes=')) {
      const list = arg === '--sizes' ? argv[++i] : arg.slice('--sizes='.length);
      sizes = (list ?? '').split(',').map(Number);
      if (sizes.some((size) => !CATALOGUE_SIZES.includes(size))) {
        usage(`--sizes takes a comma-separated list of ${CATALOGUE_SIZES.join(', ')}`);
      }
    } else if (arg === '--reps' || arg.startsWith('--reps=')) {
      reps = Number(arg === '--reps' ? argv[++i] : arg.slice('--reps='.length));
      if (!Number.isSafeInteger(reps) || reps < 1) usage(`--reps needs a whole number of at least 1`);
    } else if (arg in BENCHMARKS) names.push(arg);
    else usage(`unknown benchmark or flag: ${arg}`);
  }
  const all = quick ? QUICK_BENCHMARKS : Object.keys(BENCHMARKS);
  return { names: names.length > 0 ? names : all, options: { peers, quick, reps, sizes } };
}

function usage(problem: string): never {
  process.stderr.write(
    `bench: ${problem}\nusage: npm run bench -- [${Object.keys(BENCHMARKS).join('|')}]... [--peers] [--reps N] [--quick] [--sizes 0,100000,...]\n`,
  );
  process.exit(2);
}

/**
 * The compiled migrations module looks for the SQL files three folders above itself, which from
 * dist-bench/src/infra/sqlite is dist-bench/; a link there points it at the real migrations/.
 */
function linkMigrations(): void {
  const link = join(__dirname, '..', 'migrations');
  if (existsSync(link)) return;
  try {
    lstatSync(link);
    return;
  } catch {
    symlinkSync(join('..', 'migrations'), link);
  }
}

async function main(): Promise<void> {
  const { names, options } = parse(process.argv.slice(2));
  linkMigrations();
  describeMachine();
  for (const name of names) await BENCHMARKS[name](options);
  note('');
  note('all figures (name median unit):');
  for (const entry of allFigures())
    note(`  ${entry.name} ${entry.value === 'NA' ? 'NA' : +entry.value.toPrecision(4)} ${entry.unit}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killChildren();
    process.exit(130);
  });
}

let finished = false;
// Node exits quietly with code 0 when a promise that nothing else keeps alive never settles; say so.
process.on('exit', (code) => {
  if (finished || code !== 0) return;
  process.stderr.write('bench: stopped before finishing (something never completed)\n');
  process.exitCode = 1;
});

main()
  .then(() => (finished = true))
  .catch((error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
    finished = true;
  })
  .finally(killChildren);
