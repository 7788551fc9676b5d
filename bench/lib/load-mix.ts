import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { FerryClient, ServerAddress } from '../../src/transport/client/ferry-client';

/**
 * Many clients at once, each on its own connection, each doing a random mix of small and 1 MiB uploads,
 * downloads of what it uploaded, listings and deletes for a while; each keeps what it expects to find
 * (the SHA-256 of every file it has), so that at the end every acknowledged file can be checked.
 * Shared by `npm run bench -- load` (figures) and a short run in `npm test` (correctness).
 */

export type LoadOperation = 'upload-small' | 'upload-1MiB' | 'download' | 'list' | 'delete';

/** Out of 100: what a client does next. */
const MIX: ReadonlyArray<readonly [LoadOperation, number]> = [
  ['upload-small', 35],
  ['upload-1MiB', 10],
  ['download', 30],
  ['list', 15],
  ['delete', 10],
];

const SMALL = 4 * 1024;
const LARGE = 1024 * 1024;

export interface LoadOptions {
  readonly clients: number;
  readonly durationMs: number;
}

export interface LoadResult {
  /** Latencies in ms, per operation, of those that succeeded. */
  readonly latencies: ReadonlyMap<LoadOperation, readonly number[]>;
  /** Operations that failed, as `operation: message`. */
  readonly errors: readonly string[];
  /** Files found wrong at the final check (missing, or other bytes than acknowledged). */
  readonly damaged: readonly string[];
  /** Files checked at the end. */
  readonly checked: number;
  readonly elapsedMs: number;
}

/** One client's files: name -> SHA-256 of the bytes its last acknowledged upload holds. */
type Expected = Map<string, string>;

export async function runLoad(address: ServerAddress, options: LoadOptions): Promise<LoadResult> {
  const latencies = new Map<LoadOperation, number[]>(MIX.map(([operation]) => [operation, []]));
  const errors: string[] = [];
  const started = Date.now();
  const deadline = started + options.durationMs;
  const large = randomBytes(LARGE);
  const clients = await Promise.all(
    Array.from({ length: options.clients }, () => FerryClient.connect(address)),
  );
  const expected = clients.map((): Expected => new Map());
  await Promise.all(
    clients.map(async (client, index) => {
      let round = 0;
      while (Date.now() < deadline) {
        const operation = pick();
        const began = performance.now();
        try {
          await perform(client, operation, `load/${index}/`, expected[index], round++, large);
          latencies.get(operation)!.push(performance.now() - began);
        } catch (error) {
          errors.push(`${operation}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }),
  );
  const elapsedMs = Date.now() - started;
  const damaged: string[] = [];
  let checked = 0;
  for (const [index, client] of clients.entries()) {
    for (const [name, sha256] of expected[index]) {
      checked++;
      const found = await digestOf(client, name).catch((error: Error) => `error: ${error.message}`);
      if (found !== sha256) damaged.push(`${name}: expected ${sha256}, found ${found}`);
    }
    await client.logout();
  }
  return { latencies, errors, damaged, checked, elapsedMs };
}

function pick(): LoadOperation {
  let roll = Math.random() * 100;
  for (const [operation, weight] of MIX) {
    roll -= weight;
    if (roll < 0) return operation;
  }
  return MIX[0][0];
}

async function perform(
  client: FerryClient,
  operation: LoadOperation,
  folder: string,
  expected: Expected,
  round: number,
  large: Buffer,
): Promise<void> {
  const names = [...expected.keys()];
  const some = names[Math.floor(Math.random() * names.length)];
  switch (operation) {
    case 'upload-small':
    case 'upload-1MiB': {
      const body = operation === 'upload-small' ? randomBytes(SMALL) : stamped(large, round);
      // A few names per client, so uploads make new versions of names as well as new names.
      const name = `${folder}${operation}-${round % 8}.bin`;
      await client.upload(name, once(body), body.length);
      expected.set(name, sha256(body));
      return;
    }
    case 'download':
      if (some === undefined) return;
      if ((await digestOf(client, some)) !== expected.get(some)) throw new Error(`${some}: other bytes`);
      return;
    case 'list':
      await client.list(folder);
      return;
    case 'delete':
      if (some === undefined) return;
      await client.delete(some);
      expected.delete(some);
      return;
  }
}

/** The shared 1 MiB body with the round written into its first bytes, so versions differ. */
function stamped(large: Buffer, round: number): Buffer {
  const body = Buffer.from(large);
  body.writeUInt32BE(round);
  return body;
}

async function digestOf(client: FerryClient, name: string): Promise<string> {
  const hash = createHash('sha256');
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      hash.update(chunk);
      callback();
    },
  });
  await client.download(name, sink);
  return hash.digest('hex');
}

async function* once(body: Buffer): AsyncIterable<Uint8Array> {
  yield body;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The `fraction` quantile (0.5: median) of `values`, nearest rank. */
export function quantile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}
