import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from '../../bench/lib/load-mix';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/app/connection-limits';
import { removeDir, startTestServer } from '../support/test-server';

/**
 * The load benchmark's mix, short, as a correctness check (timings are the benchmark's business): many
 * clients at once, uploads small and large, downloads, listings and deletes, and then not one error, every
 * acknowledged file intact, no temporary left and the file handles back to where they were.
 */
describe('a server under a short load of many clients', () => {
  it('makes no error, loses no acknowledged file, and ends with what it began with', async () => {
    const clients = 60;
    const ferry = await startTestServer({
      config: { connections: { ...DEFAULT_CONNECTION_LIMITS, maxConnectionsPerAddress: clients + 5 } },
    });
    try {
      const handlesBefore = readdirSync('/proc/self/fd').length;
      const result = await runLoad(ferry.address, { clients, durationMs: 8000 });
      expect(result.errors).toEqual([]);
      expect(result.damaged).toEqual([]);
      expect(result.checked).toBeGreaterThan(clients);
      for (const [operation, latencies] of result.latencies) {
        expect({ operation, done: latencies.length > 0 }).toEqual({ operation, done: true });
      }
      expect(readdirSync(join(ferry.dataDir, 'tmp'))).toEqual([]);
      const deadline = Date.now() + 5000;
      while (readdirSync('/proc/self/fd').length > handlesBefore + 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(handlesBefore + 2);
    } finally {
      await ferry.stop();
      removeDir(ferry.dataDir);
    }
  }, 60_000);
});
