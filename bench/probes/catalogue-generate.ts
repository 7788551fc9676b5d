import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startApplication } from '../../src/app/composition-root';
import { DEFAULT_CONFIG } from '../../src/app/config';
import { DiskFileStore } from '../../src/infra/storage/disk-file-store';
import { FileSystemFreeSpace } from '../../src/infra/storage/file-system-free-space';
import { initialState, SimulatedClock, Workload, WorkloadState } from '../catalogue-workload';
import { KnownContentFileStore } from '../lib/known-content-file-store';
import { ThrottledFreeSpace } from '../lib/throttled-free-space';

/**
 * Grows a data folder to a number of live files with the catalogue benchmark's workload, in one fresh
 * process (so it can be profiled: `node --cpu-prof dist-bench/bench/probes/catalogue-generate.js ...`).
 *
 * Usage: node catalogue-generate.js <dataDir> <stateFile> <targetFiles> [--in-flight N]
 * The state file says where the folder's workload stands; absent, the folder must be empty. It is
 * rewritten when the target is reached. Progress lines go to stdout as `# ...`, then one JSON line.
 */
async function main(): Promise<void> {
  const [dataDir, stateFile, targetText] = process.argv.slice(2);
  const target = Number(targetText);
  const inFlightAt = process.argv.indexOf('--in-flight');
  const inFlight = inFlightAt > 0 ? Number(process.argv[inFlightAt + 1]) : 256;
  if (!dataDir || !stateFile || !Number.isSafeInteger(target) || !Number.isSafeInteger(inFlight)) {
    throw new Error('usage: catalogue-generate <dataDir> <stateFile> <targetFiles> [--in-flight N]');
  }
  const state: WorkloadState = existsSync(stateFile)
    ? (JSON.parse(readFileSync(stateFile, 'utf8')) as WorkloadState)
    : initialState();
  const clock = new SimulatedClock(state.clockTicks);
  const store = new KnownContentFileStore(new DiskFileStore(dataDir));
  const config = { ...DEFAULT_CONFIG, dataDir, store: 'disk' as const, logLevel: 'error' };
  const started = performance.now();
  const freeSpace = new ThrottledFreeSpace(new FileSystemFreeSpace(dataDir));
  const app = await startApplication(config, { fileStore: store, clock, freeSpace });
  if (app.ledger.catalogue.position() !== state.events) {
    await app.close();
    throw new Error(
      `the folder has ${app.ledger.catalogue.position()} events, its state says ${state.events}`,
    );
  }
  const fromEvents = state.events;
  const fromFiles = state.created - state.deleted.length;
  const workload = new Workload(app, state, clock);
  let last = { at: started, events: fromEvents };
  try {
    await workload.runUntil(target, inFlight, (events, files) => {
      const at = performance.now();
      const seconds = (at - started) / 1000;
      const recent = (events - last.events) / ((at - last.at) / 1000);
      last = { at, events };
      const rss = Math.round(process.memoryUsage.rss() / 2 ** 20);
      process.stdout.write(
        `# ${events} events, ${files} files after ${seconds.toFixed(0)} s: ` +
          `${Math.round((events - fromEvents) / seconds)} events/s overall, ${Math.round(recent)} lately; rss ${rss} MiB\n`,
      );
    });
  } finally {
    await app.close();
  }
  const seconds = (performance.now() - started) / 1000;
  state.seconds += seconds;
  writeFileSync(stateFile, `${JSON.stringify(state)}\n`);
  process.stdout.write(
    `${JSON.stringify({
      seconds,
      events: state.events - fromEvents,
      files: state.created - state.deleted.length - fromFiles,
      blobsStored: store.counts.stored,
      blobsSkipped: store.counts.skipped,
      totalEvents: state.events,
      totalFiles: state.created - state.deleted.length,
      state: join(stateFile),
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `catalogue-generate failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exitCode = 1;
});
