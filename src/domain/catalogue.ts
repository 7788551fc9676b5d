import { Accounts } from './accounts';
import { AddressBans } from './address-bans';
import { FerryEvent } from './events';
import { HeldUploads } from './held-uploads';
import { entryEvent, entryFile, FileVersion, HistoryEntry, NO_USAGE, Usage } from './file-versions';
import { CatalogueStore, PageRequest, StoredVersion } from './ports/catalogue-store.port';
import { Outcome, RequestMemory } from './request-memory';

export type { Outcome, OutcomeType } from './request-memory';

interface NameRecord {
  readonly versions: FileVersion[];
  readonly history: HistoryEntry[];
  live: FileVersion | undefined;
}

/**
 * The projection of the audit log into "which names exist, with which versions". It only ever changes by
 * applying events in log order, so replaying the same events always yields the same catalogue.
 *
 * Held whole in memory: the catalogue store of the memory-storage variant, and the reference the SQLite
 * projection is checked against. A server on disk keeps its catalogue in SQLite tables instead.
 */
export class Catalogue implements CatalogueStore {
  private readonly names = new Map<string, NameRecord>();
  /** Every name ever used, sorted, so a prefix LIST visits only the names under the prefix. */
  private sortedNames: string[] = [];
  /** Names added since the last LIST; sorted in at the next one, so a replay sorts once, not per name. */
  private unsortedNames: string[] = [];
  private readonly requests = new RequestMemory();
  private readonly collected = new Set<string>();
  /** Explicit folders (FolderCreated, not yet FolderRemoved), sorted. */
  private readonly folders: string[] = [];
  /** Live files and bytes per actor who wrote their live version: what quotas are measured against. */
  private readonly usageByActor = new Map<string, Usage>();
  private lastSeq = 0;
  /** Accounts, folded from account events in the same order as everything else. */
  readonly accounts = new Accounts();
  /** Failed logins and bans per remote address. */
  readonly bans = new AddressBans();
  /** Resumable uploads interrupted and not yet ended. */
  readonly heldUploads = new HeldUploads();

  /** The seq of the last event applied: the catalogue is exactly the log up to here. */
  position(): number {
    return this.lastSeq;
  }

  /** All or none: the whole batch is checked before any of it is applied. */
  fold(events: readonly FerryEvent[]): void {
    events.reduce((previous, event) => {
      if (event.seq <= previous) throw new Error(`event ${event.seq} applied out of order after ${previous}`);
      return event.seq;
    }, this.lastSeq);
    for (const event of events) this.apply(event);
  }

  apply(event: FerryEvent): void {
    if (event.seq <= this.lastSeq) {
      throw new Error(`event ${event.seq} applied out of order after ${this.lastSeq}`);
    }
    if (event.type === 'FileUploaded' || event.type === 'FileRestored') {
      const { name, version } = event.payload;
      const latest = this.latestVersion(name);
      if (version !== latest + 1) {
        throw new Error(`${event.type} ${event.seq} makes version ${version} of a name at ${latest}`);
      }
    }
    if (event.type === 'FileRenamed')
      checkRename(event, this.live(event.payload.from)?.version, this.latestVersion(event.payload.to));
    this.lastSeq = event.seq;
    this.heldUploads.apply(event);
    switch (event.type) {
      case 'FileUploaded':
      case 'FileRestored': {
        const { name, version, sha256, size } = event.payload;
        const restoredFrom = event.type === 'FileRestored' ? { restoredFrom: event.payload.fromVersion } : {};
        const file: FileVersion = {
          name,
          version,
          sha256,
          size,
          at: event.at,
          actor: event.actor,
          seq: event.seq,
          ...restoredFrom,
        };
        const record = this.record(name);
        if (event.type === 'FileUploaded') this.collected.delete(sha256);
        record.versions.push(file);
        record.history.push({ kind: event.type === 'FileUploaded' ? 'uploaded' : 'restored', file });
        this.setLive(record, file);
        this.requests.remember(event.actor, event);
        return;
      }
      case 'FileDeleted': {
        const { name, version } = event.payload;
        const record = this.record(name);
        record.history.push({
          kind: 'deleted',
          deletion: { name, version, at: event.at, actor: event.actor, seq: event.seq },
        });
        this.setLive(record, undefined);
        this.requests.remember(event.actor, event);
        return;
      }
      case 'FileRenamed': {
        const { from, to, version, fromVersion, sha256, size } = event.payload;
        const { at, actor, seq } = event;
        const source = this.record(from);
        source.history.push({
          kind: 'renamed-to',
          deletion: { name: from, version: fromVersion, at, actor, seq, renamedTo: to },
        });
        this.setLive(source, undefined);
        const file: FileVersion = {
          name: to,
          version,
          sha256,
          size,
          at,
          actor,
          seq,
          renamedFrom: { name: from, version: fromVersion },
        };
        const target = this.record(to);
        target.versions.push(file);
        target.history.push({ kind: 'renamed-from', file });
        this.setLive(target, file);
        this.requests.remember(event.actor, event);
        return;
      }
      case 'FolderCreated': {
        const { path } = event.payload;
        const at = lowerBound(this.folders, path);
        if (this.folders[at] !== path) this.folders.splice(at, 0, path);
        return;
      }
      case 'FolderRemoved': {
        const at = lowerBound(this.folders, event.payload.path);
        if (this.folders[at] === event.payload.path) this.folders.splice(at, 1);
        return;
      }
      case 'GarbageCollected':
        for (const sha256 of event.payload.blobs) this.collected.add(sha256);
        return;
      default:
        // Accounts and bans each fold what is theirs and ignore the rest; other events change nothing here.
        this.accounts.apply(event);
        this.bans.apply(event);
    }
  }

  /** The live version of a name, if it exists now. */
  live(name: string): FileVersion | undefined {
    return this.names.get(name)?.live;
  }

  version(name: string, version: number): FileVersion | undefined {
    return this.names.get(name)?.versions[version - 1];
  }

  /** The live files, and their bytes, whose live version `actor` wrote. */
  usage(actor: string): Usage {
    return this.usageByActor.get(actor) ?? NO_USAGE;
  }

  /** The highest version number ever given to a name; 0 if it never existed. */
  latestVersion(name: string): number {
    return this.names.get(name)?.versions.length ?? 0;
  }

  history(name: string): HistoryEntry[] {
    return [...(this.names.get(name)?.history ?? [])];
  }

  /** Live files whose name starts with the prefix, sorted by name; all of them unless a page is asked for. */
  list(prefix = '', page: PageRequest = WHOLE): FileVersion[] {
    return this.page(prefix, page, (record) => record.live);
  }

  listAt(prefix: string, seq: number, page: PageRequest = WHOLE): FileVersion[] {
    return this.page(prefix, page, (record) => liveAt(record.history, seq));
  }

  *allVersions(): Iterable<StoredVersion> {
    for (const { history } of this.names.values()) {
      for (let i = 0; i < history.length; i++) {
        const file = entryFile(history[i]);
        if (!file) continue;
        const next = history[i + 1];
        yield next ? { ...file, endedAt: entryEvent(next).at } : file;
      }
    }
  }

  hasLiveUnder(prefix: string): boolean {
    return this.list(prefix, { limit: 1 }).length > 0;
  }

  explicitFolder(path: string): boolean {
    return this.folders[lowerBound(this.folders, path)] === path;
  }

  listFolders(prefix: string, page: PageRequest): string[] {
    const paths: string[] = [];
    const from = page.after !== undefined && page.after >= prefix ? upperBound(this.folders, page.after) : 0;
    for (let i = Math.max(from, lowerBound(this.folders, prefix)); i < this.folders.length; i++) {
      if (paths.length >= page.limit || !this.folders[i].startsWith(prefix)) break;
      paths.push(this.folders[i]);
    }
    return paths;
  }

  /** Whether garbage collection removed these bytes (a later upload of the same content brings them back). */
  isCollected(sha256: string): boolean {
    return this.collected.has(sha256);
  }

  /** What a request with this id from this actor already did, if it succeeded before. */
  outcomeOf(actor: string, requestId: string): Outcome | undefined {
    return this.requests.outcomeOf(actor, requestId);
  }

  /** Moves a name's live version, keeping every actor's usage exact. */
  private setLive(record: NameRecord, file: FileVersion | undefined): void {
    if (record.live) this.addUsage(record.live.actor, -1, -record.live.size);
    record.live = file;
    if (file) this.addUsage(file.actor, 1, file.size);
  }

  private addUsage(actor: string, files: number, bytes: number): void {
    const now = this.usage(actor);
    const next = { files: now.files + files, bytes: now.bytes + bytes };
    if (next.files === 0) this.usageByActor.delete(actor);
    else this.usageByActor.set(actor, next);
  }

  private page(
    prefix: string,
    page: PageRequest,
    fileOf: (record: NameRecord) => FileVersion | undefined,
  ): FileVersion[] {
    const files: FileVersion[] = [];
    const sorted = this.sortNames();
    const from = page.after !== undefined && page.after >= prefix ? upperBound(sorted, page.after) : 0;
    for (let i = Math.max(from, lowerBound(sorted, prefix)); i < sorted.length; i++) {
      if (files.length >= page.limit) break;
      const name = sorted[i];
      if (!name.startsWith(prefix)) break;
      const file = fileOf(this.names.get(name)!);
      if (file) files.push(file);
    }
    return files;
  }

  private sortNames(): readonly string[] {
    if (this.unsortedNames.length > 0) {
      this.sortedNames = mergeSorted(this.sortedNames, this.unsortedNames.sort());
      this.unsortedNames = [];
    }
    return this.sortedNames;
  }

  private record(name: string): NameRecord {
    let record = this.names.get(name);
    if (!record) {
      record = { versions: [], history: [], live: undefined };
      this.names.set(name, record);
      this.unsortedNames.push(name);
    }
    return record;
  }
}

const WHOLE: PageRequest = { limit: Number.MAX_SAFE_INTEGER };

/**
 * A rename must move the source's live version and make the target's next version: anything else is a
 * log this fold cannot follow (the same check as for version numbers).
 */
export function checkRename(
  event: Extract<FerryEvent, { type: 'FileRenamed' }>,
  liveOfSource: number | undefined,
  latestOfTarget: number,
): void {
  const { from, to, version, fromVersion } = event.payload;
  if (from === to) throw new Error(`FileRenamed ${event.seq} renames ${from} to itself`);
  if (liveOfSource !== fromVersion) {
    throw new Error(
      `FileRenamed ${event.seq} moves version ${fromVersion} of a name live at ${liveOfSource}`,
    );
  }
  if (version !== latestOfTarget + 1) {
    throw new Error(`FileRenamed ${event.seq} makes version ${version} of a name at ${latestOfTarget}`);
  }
}

/** The version live just after event `seq`, from a name's history (which is in seq order). */
function liveAt(history: readonly HistoryEntry[], seq: number): FileVersion | undefined {
  let live: FileVersion | undefined;
  for (const entry of history) {
    if (entryEvent(entry).seq > seq) break;
    live = entryFile(entry);
  }
  return live;
}

function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const merged: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) merged.push(a[i] < b[j] ? a[i++] : b[j++]);
  while (i < a.length) merged.push(a[i++]);
  while (j < b.length) merged.push(b[j++]);
  return merged;
}

/** The first index whose name is above `name`. */
function upperBound(sorted: readonly string[], name: string): number {
  const index = lowerBound(sorted, name);
  return sorted[index] === name ? index + 1 : index;
}

/** The first index whose name is not below `name`, by the same ordering as `Array.prototype.sort`. */
function lowerBound(sorted: readonly string[], name: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < name) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
