import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startApplication } from '../../src/app/composition-root';
import { DEFAULT_CONFIG } from '../../src/app/config';
import { SqliteSnapshotStore } from '../../src/infra/sqlite/sqlite-snapshot-store';

/**
 * One server start-up in a fresh process, as `ferry serve` does it: startApplication (lock, migrations,
 * Merkle frontier, blob sweep, catalogue from the newest snapshot plus the log after it), then close.
 * Prints one JSON line. Usage: node startup-probe.js <dataDir> [--save-snapshot]
 */
async function main(): Promise<void> {
  const dataDir = process.argv[2];
  // Everything required above (inversify, winston, better-sqlite3...) is loaded by now.
  const modulesLoadedMs = performance.now();
  const config = { ...DEFAULT_CONFIG, dataDir, logLevel: 'error' };
  const started = performance.now();
  const app = await startApplication(config);
  const readyMs = performance.now() - started;
  const position = app.ledger.catalogue.position;
  const peak = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  const catalogue = app.ledger.catalogue;
  // What one LIST costs the catalogue at this size (the handler adds one event append to this): the
  // first call (cold code, as right after a start) and the median of 20 more.
  const firstListMs = timed(() => catalogue.list('dept-3/proj-7/'));
  const listed = catalogue.list('dept-3/proj-7/').length;
  const listPrefixMs = median(
    Array.from({ length: 20 }, (_, i) => timed(() => catalogue.list(`dept-${i}/proj-7/`))),
  );
  // What the ledger does on the event loop for each snapshot, before the SQLite insert of the text.
  const serialiseMs = timed(() => JSON.stringify(catalogue.toSnapshot()));
  // With --save-snapshot: the whole save the ledger does (serialise, then insert into audit.db), timed.
  let saveSnapshotMs: number | undefined;
  if (process.argv.includes('--save-snapshot')) {
    const store = new SqliteSnapshotStore(join(dataDir, 'audit.db'));
    const started = performance.now();
    await store.save(catalogue.toSnapshot(), new Date().toISOString());
    saveSnapshotMs = performance.now() - started;
    await store.close();
  }
  const closeStarted = performance.now();
  await app.close();
  const closeMs = performance.now() - closeStarted;
  process.stdout.write(
    `${JSON.stringify({
      modulesLoadedMs,
      readyMs,
      closeMs,
      position,
      listed,
      firstListMs,
      listPrefixMs,
      serialiseMs,
      saveSnapshotMs,
      peakRssKiB: peak ? Number(peak[1]) : undefined,
    })}\n`,
  );
}

function timed(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

main().catch((error: unknown) => {
  process.stderr.write(`startup probe failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
