import { randomBytes, randomUUID } from 'node:crypto';
import { Application, startApplication } from '../src/app/composition-root';
import { DEFAULT_CONFIG } from '../src/app/config';
import { domainError } from '../src/domain/errors';
import { EventOrigin } from '../src/domain/events';
import { FileName } from '../src/domain/names';
import { note } from './lib/report';
import { elapsedMs, now } from './lib/processes';

/**
 * Builds a data folder of a realistic audit log by driving the real application (SQLite log with its
 * Merkle tree and signed checkpoints, disk blob store) through its handlers, as the TCP sessions would.
 *
 * The mix, per simulated session (128 sessions in flight, so their events interleave in the log):
 * SessionOpened; 0-2 uploads (40% a new name until all 50,000 names exist, else a new version of a used
 * name; 256 B-4 KiB of random bytes; a request id, as `ferry put` sends); 0-5 downloads of live files;
 * a LIST of a folder prefix (25%); a STAT (10%); a DELETE (8%); a refused command (12%: download of a
 * missing name, a bad name, or an upload with a stale if-version); SessionClosed. Every operation records
 * exactly one event, so the plan stops at exactly the requested number of events.
 */

export const DISTINCT_NAMES = 50_000;
const IN_FLIGHT_SESSIONS = 128;
const PROGRESS_EVERY = 100_000;

type Operation =
  | 'upload-new'
  | 'upload-version'
  | 'download'
  | 'list'
  | 'stat'
  | 'delete'
  | 'refuse-missing'
  | 'refuse-bad-name'
  | 'refuse-conflict';

export interface GenerationStats {
  readonly events: number;
  readonly sessions: number;
  readonly seconds: number;
  readonly operations: Record<string, { count: number; totalMs: number; maxMs: number }>;
  readonly names: number;
  readonly versions: number;
  readonly live: number;
}

/** Deterministic, so every generated folder has the same shape (mulberry32). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 20 departments x 50 projects x 50 files = 50,000 names, so LIST prefixes select realistic folders. */
function nameOf(index: number): string {
  const department = index % 20;
  const project = Math.floor(index / 20) % 50;
  const file = Math.floor(index / 1000);
  return `dept-${department}/proj-${project}/file-${file}.${['pdf', 'csv', 'txt', 'png'][index % 4]}`;
}

/** Live names, with O(1) add, remove and random pick. */
class NameSet {
  private readonly items: string[] = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.items.length;
  }

  add(name: string): void {
    if (this.index.has(name)) return;
    this.index.set(name, this.items.length);
    this.items.push(name);
  }

  remove(name: string): void {
    const at = this.index.get(name);
    if (at === undefined) return;
    const last = this.items.pop()!;
    this.index.delete(name);
    if (last !== name) {
      this.items[at] = last;
      this.index.set(last, at);
    }
  }

  pick(random: () => number): string | undefined {
    return this.items.length === 0 ? undefined : this.items[Math.floor(random() * this.items.length)];
  }
}

class Simulation {
  private readonly random = seededRandom(20261125);
  private readonly live = new NameSet();
  private usedNames = 0;
  private planned = 0;
  private sessions = 0;
  private missing = 0;
  private nextProgress = PROGRESS_EVERY;
  private readonly started = now();
  readonly operations: GenerationStats['operations'] = {};

  constructor(private readonly app: Application) {}

  get sessionCount(): number {
    return this.sessions;
  }

  /** Runs sessions until exactly `target` events have been planned and recorded. */
  async runUntil(target: number): Promise<void> {
    const worker = async () => {
      while (this.planned + 2 <= target) {
        const operations = this.planSession(target - this.planned - 2);
        this.planned += operations.length + 2;
        this.sessions++;
        await this.runSession(operations);
        this.progress();
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT_SESSIONS }, worker));
    await this.app.ledger.drain();
  }

  private progress(): void {
    const position = this.app.ledger.catalogue.position;
    if (position < this.nextProgress) return;
    this.nextProgress += PROGRESS_EVERY;
    const seconds = elapsedMs(this.started) / 1000;
    note(
      `  generated ${position} events in ${seconds.toFixed(0)} s (${Math.round(position / seconds)} events/s)`,
    );
  }

  private planSession(budget: number): Operation[] {
    const r = this.random;
    const operations: Operation[] = [];
    const uploads = [0, 0, 1, 1, 1, 2][Math.floor(r() * 6)];
    for (let i = 0; i < uploads; i++) operations.push(r() < 0.4 ? 'upload-new' : 'upload-version');
    const downloads = Math.floor(r() * 6);
    for (let i = 0; i < downloads; i++) operations.push('download');
    if (r() < 0.25) operations.push('list');
    if (r() < 0.1) operations.push('stat');
    if (r() < 0.08) operations.push('delete');
    if (r() < 0.12) {
      const kind = r();
      operations.push(kind < 0.5 ? 'refuse-missing' : kind < 0.75 ? 'refuse-bad-name' : 'refuse-conflict');
    }
    const planned = operations.slice(0, budget);
    // A lone event left over could never be filled by a session (which takes two at least).
    if (budget - planned.length === 1) planned.push('stat');
    return planned;
  }

  private async runSession(operations: readonly Operation[]): Promise<void> {
    const { handlers } = this.app;
    const origin = await handlers.sessions.open(`10.0.${this.sessions % 256}.${this.sessions % 199}:40000`, {
      protocol: 1,
    });
    for (const operation of operations) {
      const started = now();
      await this.execute(origin, operation);
      const ms = elapsedMs(started);
      const stats = (this.operations[operation] ??= { count: 0, totalMs: 0, maxMs: 0 });
      stats.count++;
      stats.totalMs += ms;
      stats.maxMs = Math.max(stats.maxMs, ms);
    }
    await handlers.sessions.close(origin, 'logout');
  }

  private async execute(origin: EventOrigin, operation: Operation): Promise<void> {
    const { handlers } = this.app;
    const r = this.random;
    switch (operation) {
      case 'upload-new':
      case 'upload-version': {
        const fresh = operation === 'upload-new' || this.usedNames === 0;
        const name =
          fresh && this.usedNames < DISTINCT_NAMES
            ? nameOf(this.usedNames++)
            : nameOf(Math.floor(r() * this.usedNames));
        return this.upload(origin, name, {});
      }
      case 'download': {
        const name = this.live.pick(r) ?? `dept-0/missing-${this.missing++}.txt`;
        return this.download(origin, name);
      }
      case 'list': {
        const department = Math.floor(r() * 20);
        const prefix = r() < 0.5 ? `dept-${department}/` : `dept-${department}/proj-${Math.floor(r() * 50)}/`;
        await handlers.list.execute(origin, prefix);
        return;
      }
      case 'stat':
        await handlers.stat.execute(origin, this.live.pick(r) ?? 'dept-0/none.txt');
        return;
      case 'delete': {
        const name = this.live.pick(r) ?? 'dept-0/none.txt';
        const result = await handlers.delete.execute(origin, {
          name: name as FileName,
          requestId: randomUUID(),
        });
        if (result.ok) this.live.remove(name);
        return;
      }
      case 'refuse-missing':
        return this.download(origin, `dept-${Math.floor(r() * 20)}/missing-${this.missing++}.txt`);
      case 'refuse-bad-name':
        await handlers.reject.execute(
          origin,
          'DOWNLOAD',
          domainError('BAD_NAME', 'name has a ".." segment'),
          '../etc/passwd',
        );
        return;
      case 'refuse-conflict': {
        // "Create only if absent" on a name that exists: refused with VERSION_CONFLICT before any byte is stored.
        const name = this.live.pick(r) ?? nameOf(0);
        return this.upload(origin, name, { ifVersion: this.live.size > 0 ? 0 : 7 });
      }
    }
  }

  private async upload(origin: EventOrigin, name: string, guards: { ifVersion?: number }): Promise<void> {
    const body = randomBytes(256 + Math.floor(this.random() * 3840));
    const transfer = await this.app.handlers.upload.begin(origin, {
      name: name as FileName,
      size: body.length,
      requestId: randomUUID(),
      ...guards,
    });
    await transfer.write(body);
    const result = await transfer.finish();
    if (result.ok) this.live.add(name);
  }

  private async download(origin: EventOrigin, name: string): Promise<void> {
    const result = await this.app.handlers.download.begin(origin, { name });
    if (!result.ok) return;
    let bytes = 0;
    for await (const chunk of result.value.body) bytes += chunk.length;
    await result.value.finish(bytes);
  }
}

/**
 * Generates `total` events into the empty folder `dataDir`, with a snapshot taken after `total - tail`
 * events and another (by `close`, which always saves one) at the end.
 */
export async function generateFolder(dataDir: string, total: number, tail: number): Promise<GenerationStats> {
  // snapshotEvery is huge so that no snapshot is taken while generating: the bench places them itself.
  const config = { ...DEFAULT_CONFIG, dataDir, logLevel: 'error', snapshotEvery: Number.MAX_SAFE_INTEGER };
  const started = now();
  const app = await startApplication(config);
  const simulation = new Simulation(app);
  try {
    await simulation.runUntil(total - tail);
    await app.ledger.snapshot();
    await simulation.runUntil(total);
  } finally {
    await app.close();
  }
  const catalogue = app.ledger.catalogue;
  let names = 0;
  let versions = 0;
  for (const entry of catalogue.allNames()) {
    names++;
    versions += entry.versions.length;
  }
  return {
    events: catalogue.position,
    sessions: simulation.sessionCount,
    seconds: elapsedMs(started) / 1000,
    operations: simulation.operations,
    names,
    versions,
    live: catalogue.list('').length,
  };
}
