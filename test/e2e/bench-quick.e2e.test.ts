import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * `npm run bench -- --quick`: the benchmarks' short mode, run as a smoke test. It checks that the run
 * finished and printed every figure with a number, never what the numbers are.
 */
describe('npm run bench -- --quick', () => {
  it('runs the cli-transfer and load benchmarks small and prints each of their figures', () => {
    const run = spawnSync('npm', ['run', '--silent', 'bench', '--', '--quick'], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(run.stderr).not.toMatch(/bench failed|stopped before finishing/);
    expect(run.status).toBe(0);
    const figures = new Map(
      run.stdout
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.split(' '))
        .map(([name, value]) => [name, value]),
    );
    for (const name of [
      'cli_put_32m_no_fsync',
      'cli_put_32m_durable',
      'dd_conv_fsync_32m',
      'cli_get_32m_verified',
      'cli_put_tree_50x4KiB_durable',
      'cli_get_prefix_50x4KiB',
      'cli_put_32m_durable_vs_dd_fsync',
      'node_pipe_sha256_both_ends_32m',
      'cli_put_32m_no_fsync_vs_node_pipe_sha256',
      'ferry_server_peak_rss_cli_put_32m',
      'load_ops_per_s',
      'load_upload_1MiB_p99',
      'load_errors',
      'load_server_peak_rss',
      'load_server_handles_after',
    ]) {
      expect({ name, value: Number(figures.get(name)) }).toEqual({ name, value: expect.any(Number) });
      expect(Number.isFinite(Number(figures.get(name)))).toBe(true);
    }
  }, 240_000);
});
