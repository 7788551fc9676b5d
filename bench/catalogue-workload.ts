import { createHash, randomUUID } from 'node:crypto';
import { Application } from '../src/app/composition-root';
import { domainError } from '../src/domain/errors';
import { EventOrigin } from '../src/domain/events';
import { FileName } from '../src/domain/names';
import { Clock } from '../src/domain/ports/clock.port';

/**
 * The workload that fills the catalogue benchmark's data folders, driven through the real handlers as
 * the TCP sessions drive them (each simulated client waits for its request to be durable before the next,
 * as a client waits for its reply; many are in flight, so the ledger commits their events in groups).
 *
 * Names. Name number i (in creation order) goes to folder `dept-<f % 40>/project-<f>/`. Folders fill
 * OPEN_FOLDERS at a time, round robin, FOLDER_FILES names each, so a full folder's names were made over
 * OPEN_FOLDERS x FOLDER_FILES consecutive creations, interleaved with 63 other folders, as files arrive
 * on a real server; every stage of 64,000 names or more has full folders of 1,000 names to LIST.
 *
 * Per session (the mean in brackets): SessionOpened; 4-12 uploads (8) of 4 KiB, 90% a new name, 10% a
 * new version of a random live file, each with a request id and one of 16 contents; 0-6 STATs (3) and
 * 0-2 DOWNLOADs (1) of random live files; a HISTORY (50%); a LIST page of 100 of a random folder (30%);
 * a DELETE of a random live file (15%); a refused command (30%: a download of a missing name, a bad
 * name, or an upload with `if-version=0` on an existing name); SessionClosed. In a shuffled order. That
 * is about 15.3 events and 7 new live files per session: 2.2 events per file.
 *
 * Event times come from a simulated clock, 1.5 s per event from 2025-01-01, so that 20M events span a
 * year as they would on a real server, and the 24-hour request-id window holds a day's uploads (about
 * 30,000), not every upload ever made.
 */

export const FOLDER_FILES = 1000;
export const OPEN_FOLDERS = 64;
const CONTENTS = 16;
const CONTENT_BYTES = 4096;
const EXTENSIONS = ['pdf', 'csv', 'txt', 'png'];
/** Bump when anything that shapes the folders changes, so cached folders are made again. */
export const WORKLOAD_VERSION = 1;
const CLOCK_START_MS = Date.parse('2025-01-01T00:00:00Z');
const CLOCK_STEP_MS = 1500;

export function folderPrefix(folder: number): string {
  return `dept-${folder % 40}/project-${folder}/`;
}

export function nameOf(index: number): string {
  const group = Math.floor(index / (OPEN_FOLDERS * FOLDER_FILES));
  const within = index % (OPEN_FOLDERS * FOLDER_FILES);
  const folder = group * OPEN_FOLDERS + (within % OPEN_FOLDERS);
  const slot = Math.floor(within / OPEN_FOLDERS);
  return `${folderPrefix(folder)}file-${slot}.${EXTENSIONS[index % EXTENSIONS.length]}`;
}

/** Folders 0 to this (exclusive) have received all their FOLDER_FILES names once `created` names exist. */
export function fullFolders(created: number): number {
  return Math.floor(created / (OPEN_FOLDERS * FOLDER_FILES)) * OPEN_FOLDERS;
}

type Operation =
  | 'upload-new'
  | 'upload-version'
  | 'stat'
  | 'download'
  | 'history'
  | 'list'
  | 'delete'
  | 'refuse-missing'
  | 'refuse-bad-name'
  | 'refuse-conflict';

/** Everything a later run needs to continue the same folder; saved beside it after each stage. */
export interface WorkloadState {
  readonly workloadVersion: number;
  /** Names 0..created-1 have been uploaded at least once. */
  created: number;
  /** Names deleted and not uploaded again, ascending. */
  deleted: number[];
  randomState: number;
  clockTicks: number;
  sessions: number;
  /** The seq of the last event. */
  events: number;
  /** Seconds spent generating, over all stages so far. */
  seconds: number;
  operations: Record<string, number>;
}

export function initialState(): WorkloadState {
  return {
    workloadVersion: WORKLOAD_VERSION,
    created: 0,
    deleted: [],
    randomState: 20261129,
    clockTicks: 0,
    sessions: 0,
    events: 0,
    seconds: 0,
    operations: {},
  };
}

/** Event times: CLOCK_STEP_MS apart, from 2025-01-01, whatever the machine's clock says. */
export class SimulatedClock implements Clock {
  constructor(public ticks: number) {}

  now(): Date {
    return new Date(CLOCK_START_MS + this.ticks++ * CLOCK_STEP_MS);
  }
}

/** mulberry32, with its state exposed so that a later stage continues the same sequence. */
class Random {
  constructor(public state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** The 16 contents every upload picks from: fixed bytes, so every folder's blobs/ is the same 16 files. */
function makeContents(): Buffer[] {
  return Array.from({ length: CONTENTS }, (_, i) => {
    const bytes = Buffer.alloc(CONTENT_BYTES);
    for (let offset = 0; offset < CONTENT_BYTES; offset += 32) {
      createHash('sha256')
        .update(`ferry catalogue bench content ${i} ${offset}`)
        .digest()
        .copy(bytes, offset);
    }
    return bytes;
  });
}

/** Called every PROGRESS_EVERY events or so, and once at the end. */
export type Progress = (events: number, files: number) => void;
const PROGRESS_EVERY = 500_000;

export class Workload {
  private readonly random: Random;
  private readonly contents = makeContents();
  private deletedBits: Uint8Array;
  private deletedCount: number;
  /** Names with an upload or a delete in flight: no other client picks them until it is done. */
  private readonly busy = new Set<number>();
  private missing = 0;
  private target = 0;
  private nextProgress = 0;

  constructor(
    private readonly app: Application,
    private readonly state: WorkloadState,
    private readonly clock: SimulatedClock,
  ) {
    this.random = new Random(state.randomState);
    this.deletedBits = new Uint8Array(Math.ceil(Math.max(state.created, 1) / 8) + 1);
    for (const index of state.deleted) this.deletedBits[index >> 3] |= 1 << (index & 7);
    this.deletedCount = state.deleted.length;
  }

  get liveFiles(): number {
    return this.state.created - this.deletedCount;
  }

  /** Runs `inFlight` simulated clients until exactly `target` files are live; updates the state. */
  async runUntil(target: number, inFlight: number, progress: Progress): Promise<void> {
    this.target = target;
    this.nextProgress = this.state.events + PROGRESS_EVERY;
    const client = async () => {
      while (this.liveFiles < target) {
        await this.session(this.plan());
        const position = this.app.ledger.catalogue.position();
        if (position >= this.nextProgress) {
          this.nextProgress += PROGRESS_EVERY;
          progress(position, this.liveFiles);
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, client));
    // Deletions late in the run can leave it a few short: top up with sessions of new names only.
    while (this.liveFiles < target) {
      const uploads = Math.min(12, target - this.liveFiles);
      await this.session(Array.from({ length: uploads }, (): Operation => 'upload-new'));
    }
    await this.app.ledger.drain();
    this.state.randomState = this.random.state;
    this.state.clockTicks = this.clock.ticks;
    this.state.events = this.app.ledger.catalogue.position();
    this.state.deleted = [];
    for (let index = 0; index < this.state.created; index++) {
      if (this.isDeleted(index)) this.state.deleted.push(index);
    }
    progress(this.state.events, this.liveFiles);
  }

  private plan(): Operation[] {
    const r = this.random;
    const operations: Operation[] = [];
    const uploads = 4 + r.below(9);
    for (let i = 0; i < uploads; i++) operations.push(r.next() < 0.1 ? 'upload-version' : 'upload-new');
    for (let i = r.below(7); i > 0; i--) operations.push('stat');
    for (let i = r.below(3); i > 0; i--) operations.push('download');
    if (r.next() < 0.5) operations.push('history');
    if (r.next() < 0.3) operations.push('list');
    if (r.next() < 0.15) operations.push('delete');
    if (r.next() < 0.3) {
      const kind = r.next();
      operations.push(kind < 0.5 ? 'refuse-missing' : kind < 0.75 ? 'refuse-bad-name' : 'refuse-conflict');
    }
    for (let i = operations.length - 1; i > 0; i--) {
      const j = r.below(i + 1);
      [operations[i], operations[j]] = [operations[j], operations[i]];
    }
    return operations;
  }

  private async session(operations: readonly Operation[]): Promise<void> {
    const { handlers, ledger } = this.app;
    const n = this.state.sessions++;
    const remote = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:${40000 + (n % 20000)}`;
    const origin = await handlers.sessions.open(remote, { protocol: 1, transport: 'ferry', tls: false });
    await ledger.drain();
    for (const operation of operations) {
      await this.execute(origin, operation);
      this.state.operations[operation] = (this.state.operations[operation] ?? 0) + 1;
      // A client sends its next request once the reply came, and the reply waits for durability.
      await ledger.drain();
    }
    await handlers.sessions.close(origin, 'logout');
    await ledger.drain();
  }

  private async execute(origin: EventOrigin, operation: Operation): Promise<void> {
    const { handlers } = this.app;
    const r = this.random;
    switch (operation) {
      case 'upload-new':
      case 'upload-version': {
        // Past the target, a planned new name becomes a new version, so the count lands exactly.
        const fresh =
          this.liveFiles < this.target && (operation === 'upload-new' || this.liveFiles === this.busy.size);
        const index = fresh ? this.state.created++ : this.pickLiveIndex()!;
        if (index >> 3 >= this.deletedBits.length) this.growBits();
        this.busy.add(index);
        try {
          return await this.upload(origin, nameOf(index), {});
        } finally {
          this.busy.delete(index);
        }
      }
      case 'stat':
        await handlers.stat.execute(origin, this.pickLive());
        return;
      case 'download':
        return this.download(origin, this.pickLive());
      case 'history':
        await handlers.history.execute(origin, this.pickLive());
        return;
      case 'list': {
        const folders = Math.max(1, Math.ceil(this.state.created / FOLDER_FILES));
        await handlers.list.execute(origin, { prefix: folderPrefix(r.below(folders)), limit: 100 });
        return;
      }
      case 'delete': {
        const index = this.pickLiveIndex();
        if (index === undefined) return this.download(origin, this.missingName());
        // Marked before the await: no other client picks it meanwhile.
        this.markDeleted(index);
        this.busy.add(index);
        try {
          const result = await handlers.delete.execute(origin, {
            name: nameOf(index) as FileName,
            requestId: randomUUID(),
          });
          if (!result.ok) throw new Error(`delete of ${nameOf(index)} refused: ${result.error.code}`);
        } finally {
          this.busy.delete(index);
        }
        return;
      }
      case 'refuse-missing':
        return this.download(origin, this.missingName());
      case 'refuse-bad-name':
        await handlers.reject.execute(
          origin,
          'DOWNLOAD',
          domainError('BAD_NAME', 'name has a ".." segment'),
          '../etc/passwd',
        );
        return;
      case 'refuse-conflict': {
        // "Create only if absent" on a name that exists: VERSION_CONFLICT before a byte is stored.
        const index = this.pickLiveIndex();
        if (index === undefined) return this.download(origin, this.missingName());
        return this.upload(origin, nameOf(index), { ifVersion: 0 }, true);
      }
    }
  }

  private async upload(
    origin: EventOrigin,
    name: string,
    guards: { ifVersion?: number },
    refusalExpected = false,
  ): Promise<void> {
    const body = this.contents[this.random.below(CONTENTS)];
    const transfer = await this.app.handlers.upload.begin(origin, {
      name: name as FileName,
      size: body.length,
      requestId: randomUUID(),
      ...guards,
    });
    await transfer.write(body);
    const result = await transfer.finish();
    if (result.ok === refusalExpected) {
      throw new Error(`upload of ${name}: ${result.ok ? 'accepted' : result.error.code}, not as planned`);
    }
  }

  private async download(origin: EventOrigin, name: string): Promise<void> {
    const result = await this.app.handlers.download.begin(origin, { name });
    if (!result.ok) return;
    let bytes = 0;
    for await (const chunk of result.value.body) bytes += chunk.length;
    await result.value.finish(bytes);
  }

  private missingName(): string {
    return `${folderPrefix(this.random.below(1000))}missing-${this.missing++}.txt`;
  }

  /** A random live file's name; a missing name (a refusal) while there is none. */
  private pickLive(): string {
    const index = this.pickLiveIndex();
    return index === undefined ? this.missingName() : nameOf(index);
  }

  /**
   * A random live file that no upload or delete is changing (so reads see it and writes never race);
   * deleted and busy names are few, so this rarely retries.
   */
  private pickLiveIndex(): number | undefined {
    if (this.liveFiles <= this.busy.size) return undefined;
    for (;;) {
      const index = this.random.below(this.state.created);
      if (!this.isDeleted(index) && !this.busy.has(index)) return index;
    }
  }

  private isDeleted(index: number): boolean {
    return (this.deletedBits[index >> 3] & (1 << (index & 7))) !== 0;
  }

  private markDeleted(index: number): void {
    this.deletedBits[index >> 3] |= 1 << (index & 7);
    this.deletedCount++;
  }

  private growBits(): void {
    const bigger = new Uint8Array(this.deletedBits.length * 2 + 1024);
    bigger.set(this.deletedBits);
    this.deletedBits = bigger;
  }
}
