import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryEvent } from '../src/domain/events';
import { dataFolderSigningKey } from '../src/infra/crypto/signing-key-files';
import { SqliteEventLog } from '../src/infra/sqlite/sqlite-event-log';

/**
 * Append throughput of the SQLite audit log, in events per second, for single-event and 100-event
 * batches (the ledger's group commit), without and with signed checkpoints. Run it with
 *   npx jest --roots '<rootDir>/bench' --testMatch '<rootDir>/bench/*.bench.ts'
 * It is a measurement, not a test: it asserts nothing and prints one line per case.
 */
const CASES = [
  { batchSize: 1, events: 2_000 },
  { batchSize: 100, events: 50_000 },
] as const;
const RUNS = 3;

function uploadEvent(seq: number): FerryEvent {
  return {
    seq,
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    type: 'FileUploaded',
    at: new Date(Date.UTC(2024, 0, 1) + seq).toISOString(),
    actor: 'anonymous',
    session: '81d8be91-9dc0-453e-b6cc-c258b6a52c7e',
    remote: '127.0.0.1:50000',
    payload: { name: `reports/file-${seq}.pdf`, version: 1, sha256: 'ab'.repeat(32), size: seq },
  };
}

async function eventsPerSecond(batchSize: number, total: number, signed: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  const checkpoints = signed
    ? {
        checkpoints: { key: dataFolderSigningKey(dir), policy: { everyEvents: 1000, everySeconds: 60 } },
      }
    : {};
  const now = () => new Date().toISOString();
  const log = new SqliteEventLog({ file: join(dir, 'audit.db'), now, ...checkpoints });
  try {
    const started = process.hrtime.bigint();
    for (let seq = 1; seq <= total; seq += batchSize) {
      const batch: FerryEvent[] = [];
      for (let i = seq; i < seq + batchSize && i <= total; i++) batch.push(uploadEvent(i));
      await log.append(batch);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return total / seconds;
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

it('measures SqliteEventLog append throughput', async () => {
  for (const signed of [false, true]) {
    for (const { batchSize, events } of CASES) {
      const runs: number[] = [];
      for (let run = 0; run < RUNS; run++) runs.push(await eventsPerSecond(batchSize, events, signed));
      const figures = runs.map((r) => Math.round(r)).join(', ');
      const label = signed ? 'with checkpoints every 1000' : 'without checkpoints';
      process.stdout.write(
        `batch ${batchSize}, ${label}: median ${Math.round(median(runs))} events/s over ${events} events (${figures})\n`,
      );
    }
  }
});
