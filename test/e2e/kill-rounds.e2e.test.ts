import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FerryClient } from '../../src/transport/client/ferry-client';
import { verify } from '../support/audited-data-folder';
import { ServerProcess, startServerProcess } from '../support/ferry-binary';
import { chunksOf, collector } from '../support/streams';
import { removeDir, tempDir } from '../support/test-server';
import { Random, randomFrom } from '../support/seeded-random';

/**
 * Random SIGKILL rounds: `ferry serve` killed at a random moment while clients upload and delete, then
 * started again on the same folder. After every round, every acknowledged change is there (or the change
 * that was in flight when the kill came, whole), no temporary is left, every file's bytes check out, and
 * `audit verify` passes. FERRY_KILL_SEED replays a run's plan (the timing of the kill itself is the
 * machine's); FERRY_KILL_ROUNDS makes it longer.
 */

const SEED = Number(process.env.FERRY_KILL_SEED ?? Date.now() % 2 ** 31);
const ROUNDS = Number(process.env.FERRY_KILL_ROUNDS ?? 6);
const CLIENTS = 8;
const NAMES_PER_CLIENT = 4;

/** What a client knows of one of its names: the last change the server acknowledged, and one in flight. */
interface NameState {
  /** SHA-256 of the live bytes, or undefined when deleted or never written. */
  acknowledged?: string;
  inFlight?: { readonly sha256?: string };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function addressOf(server: ServerProcess): { host: string; port: number } {
  const [host, port] = server.server.split(':');
  return { host, port: Number(port) };
}

/** One client changing its names until its connection dies with the server. */
async function keepChanging(
  server: ServerProcess,
  names: Map<string, NameState>,
  random: Random,
): Promise<void> {
  const client = await FerryClient.connect(addressOf(server));
  const list = [...names.keys()];
  for (;;) {
    const name = list[random(list.length)];
    const state = names.get(name)!;
    const deleting = state.acknowledged !== undefined && random(5) === 0;
    const body = randomBytes([0, 100, 70_000, 1_500_000][random(4)]);
    state.inFlight = deleting ? {} : { sha256: sha256(body) };
    try {
      if (deleting) await client.delete(name);
      else await client.upload(name, chunksOf(body), body.length);
    } catch {
      return; // The kill: what was in flight stays in flight.
    }
    state.acknowledged = state.inFlight.sha256;
    state.inFlight = undefined;
  }
}

describe('ferry serve killed with SIGKILL at random moments under load', () => {
  it(`keeps every acknowledged change and nothing partial, round after round (seed ${SEED})`, async () => {
    const random = randomFrom(SEED);
    const dataDir = tempDir();
    const names = new Map<string, NameState>();
    for (let c = 0; c < CLIENTS; c++) {
      for (let n = 0; n < NAMES_PER_CLIENT; n++) names.set(`c${c}/f${n}.bin`, {});
    }
    const byClient = (c: number) => new Map([...names].filter(([name]) => name.startsWith(`c${c}/`)));
    let server: ServerProcess | undefined;
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
        const problems = await checkState(server, names, dataDir);
        expect({ round, problems }).toEqual({ round, problems: [] });
        const clients = Array.from({ length: CLIENTS }, (_, c) => keepChanging(server!, byClient(c), random));
        await new Promise((resolve) => setTimeout(resolve, 200 + random(1300)));
        server.child.kill('SIGKILL');
        await Promise.all(clients);
      }
      server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
      expect(await checkState(server, names, dataDir)).toEqual([]);
      expect(await server.stop()).toBe(0);
      server = undefined;
      expect((await verify(dataDir)).json.ok).toBe(true);
    } finally {
      server?.child.kill('SIGKILL');
      removeDir(dataDir);
    }
  }, 180_000);
});

/**
 * After a restart: each name holds its acknowledged bytes, or those of the change in flight at the kill
 * (which then becomes the acknowledged state); bytes download whole; no temporary is left.
 */
async function checkState(
  server: ServerProcess,
  names: Map<string, NameState>,
  dataDir: string,
): Promise<string[]> {
  const problems: string[] = [];
  const temporaries = readdirSync(join(dataDir, 'tmp'));
  if (temporaries.length > 0) problems.push(`temporaries left: ${temporaries.join(', ')}`);
  const client = await FerryClient.connect(addressOf(server));
  const live = new Map((await client.list('')).map((file) => [file.name, file.sha256]));
  for (const [name, state] of names) {
    const found = live.get(name);
    const allowed = [state.acknowledged, ...(state.inFlight ? [state.inFlight.sha256] : [])];
    if (!allowed.includes(found)) {
      problems.push(
        `${name}: ${found ?? 'absent'}, expected ${allowed.map((s) => s ?? 'absent').join(' or ')}`,
      );
    }
    state.acknowledged = found;
    state.inFlight = undefined;
    if (found === undefined) continue;
    const bytes = collector();
    await client.download(name, bytes.sink);
    if (sha256(bytes.bytes()) !== found) problems.push(`${name}: bytes do not match their SHA-256`);
  }
  await client.logout();
  return problems;
}
