import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/app/config';
import { startApplication } from '../../src/app/composition-root';
import { Catalogue } from '../../src/domain/catalogue';
import { SqliteEventLog } from '../../src/infra/sqlite/sqlite-event-log';
import { catalogueState } from '../support/catalogue-state';
import { silentLogger } from '../support/silent-logger';
import { removeDir, tempDir } from '../support/test-server';

const WRITER = join(__dirname, '..', 'support', 'crash-writer.js');

/** Runs the writer until its `crashAt`-th SQLite step; resolves with how it ended and what it printed. */
async function runWriter(dataDir: string, crashAt: number) {
  const child = spawn(process.execPath, [WRITER, dataDir, String(crashAt)], { stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  return { code, signal, out };
}

const probe = {
  names: ['a.txt', 'b.txt', 'c.txt'],
  actors: ['anonymous'],
  requestIds: ['r1', 'r2'],
  addresses: ['127.0.0.1'],
  now: new Date(Date.now() + 60_000),
};

/** The folder's tables against the log folded afresh, then a start and one more upload on it. */
async function expectConsistent(dataDir: string): Promise<void> {
  const log = new SqliteEventLog({ file: join(dataDir, 'audit.db'), now: () => new Date().toISOString() });
  try {
    const refolded = new Catalogue();
    for await (const event of log.read()) refolded.apply(event);
    expect(log.catalogue.position()).toBe(await log.lastSeq());
    expect(catalogueState(log.catalogue, probe)).toEqual(catalogueState(refolded, probe));
  } finally {
    await log.close();
  }
  const app = await startApplication({ ...DEFAULT_CONFIG, dataDir }, { logger: silentLogger });
  try {
    const origin = await app.handlers.sessions.open('127.0.0.1:1', { protocol: 1 });
    const transfer = await app.handlers.upload.begin(origin, { name: 'c.txt' as never, size: 1 });
    await transfer.write(Buffer.from('c'));
    expect((await transfer.finish()).ok).toBe(true);
  } finally {
    await app.close();
  }
}

interface WriterSteps {
  readonly steps: number;
  readonly begins: number[];
  readonly commits: number[];
}

/**
 * Crash points: every step of the longest batch, from just before its BEGIN to just after its COMMIT
 * (each statement of each staged event, the checkpoint, the commit), and the steps around the BEGIN and
 * COMMIT of every other batch. Every step of every batch would be the same cases again, at a second each.
 */
function crashPoints({ begins, commits }: WriterSteps): number[] {
  const lengths = begins.map((begin, i) => commits[i] - begin);
  const longest = lengths.indexOf(Math.max(...lengths));
  const points = new Set<number>();
  for (let step = begins[longest] - 1; step <= commits[longest] + 1; step++) points.add(step);
  for (const edge of [...begins, ...commits]) for (const step of [edge - 1, edge, edge + 1]) points.add(step);
  return [...points].sort((a, b) => a - b);
}

describe('a process killed between any two steps of a commit', () => {
  let written: WriterSteps;

  beforeAll(async () => {
    const dataDir = tempDir();
    try {
      const run = await runWriter(dataDir, 0);
      expect(run.code).toBe(0);
      written = JSON.parse(run.out) as WriterSteps;
    } finally {
      removeDir(dataDir);
    }
  });

  it('leaves the tables equal to the log folded afresh, and the folder serving, at every crash point', async () => {
    expect(written.begins.length).toBeGreaterThanOrEqual(5);
    const points = crashPoints(written);
    const queue = [...points];
    const killed: number[] = [];
    const worker = async () => {
      for (let crashAt = queue.shift(); crashAt !== undefined; crashAt = queue.shift()) {
        const dataDir = tempDir();
        try {
          const run = await runWriter(dataDir, crashAt);
          if (run.signal === 'SIGKILL') killed.push(crashAt);
          else expect(run).toMatchObject({ code: 0 });
          await expectConsistent(dataDir);
        } finally {
          removeDir(dataDir);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    expect(killed.sort((a, b) => a - b)).toEqual(points);
  }, 300_000);
});
