import { AccountTuple, Accounts } from './accounts';
import { AddressBans, AddressTuple } from './address-bans';
import { FerryEvent } from './events';
import { Outcome, OutcomeType, RequestMemory, RequestTuple } from './request-memory';

/** One stored version of a name: immutable once recorded. */
export interface FileVersion {
  readonly name: string;
  readonly version: number;
  readonly sha256: string;
  readonly size: number;
  readonly at: string;
  readonly actor: string;
  readonly seq: number;
  /** Set when this version was made by RESTORE from an earlier one. */
  readonly restoredFrom?: number;
}

export interface Deletion {
  readonly name: string;
  readonly version: number;
  readonly at: string;
  readonly actor: string;
  readonly seq: number;
}

export type HistoryEntry =
  | { readonly kind: 'uploaded' | 'restored'; readonly file: FileVersion }
  | { readonly kind: 'deleted'; readonly deletion: Deletion };

export type { Outcome, OutcomeType } from './request-memory';

interface NameRecord {
  readonly versions: FileVersion[];
  readonly history: HistoryEntry[];
  live: FileVersion | undefined;
}

/**
 * The projection of the audit log into "which names exist, with which versions". It only ever changes by
 * applying events in log order, so replaying the same events always yields the same catalogue.
 */
export class Catalogue {
  private readonly names = new Map<string, NameRecord>();
  /** Every name ever used, sorted, so a prefix LIST visits only the names under the prefix. */
  private sortedNames: string[] = [];
  /** Names added since the last LIST; sorted in at the next one, so a replay sorts once, not per name. */
  private unsortedNames: string[] = [];
  private requests = new RequestMemory();
  private readonly collected = new Set<string>();
  /** Live files and bytes per actor who wrote their live version: what quotas are measured against. */
  private readonly usageByActor = new Map<string, Usage>();
  private lastSeq = 0;
  /** Accounts, folded from account events in the same order as everything else. */
  accounts = new Accounts();
  /** Failed logins and bans per remote address. */
  bans = new AddressBans();

  /** The seq of the last event applied: the catalogue is exactly the log up to here. */
  get position(): number {
    return this.lastSeq;
  }

  apply(event: FerryEvent): void {
    if (event.seq <= this.lastSeq) {
      throw new Error(`event ${event.seq} applied out of order after ${this.lastSeq}`);
    }
    this.lastSeq = event.seq;
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
      case 'GarbageCollected':
        for (const sha256 of event.payload.blobs) this.collected.add(sha256);
        return;
      case 'UserAdded':
      case 'UserRoleChanged':
      case 'UserPrefixChanged':
      case 'UserPasswordChanged':
      case 'UserDisabled':
      case 'UserEnabled':
      case 'UserQuotaChanged':
        return this.accounts.apply(event);
      case 'LoginFailed':
      case 'AddressBanned':
      case 'AddressUnbanned':
        return this.bans.apply(event);
      case 'LoginSucceeded':
      case 'UsersListed':
      case 'AuditRead':
      case 'ConnectionsRefused':
      case 'SessionOpened':
      case 'SessionClosed':
      case 'HelpShown':
      case 'FilesListed':
      case 'FileStatShown':
      case 'HistoryShown':
      case 'FileDownloaded':
      case 'RequestReplayed':
      case 'CommandRejected':
        return;
      default:
        return assertNever(event);
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

  history(name: string): readonly HistoryEntry[] {
    return this.names.get(name)?.history ?? [];
  }

  /** Live files whose name starts with the prefix, sorted by name. */
  list(prefix = ''): FileVersion[] {
    const files: FileVersion[] = [];
    const sorted = this.sortNames();
    for (let i = lowerBound(sorted, prefix); i < sorted.length; i++) {
      const name = sorted[i];
      if (!name.startsWith(prefix)) break;
      const live = this.names.get(name)?.live;
      if (live) files.push(live);
    }
    return files;
  }

  /** Every name ever used, with its whole history: for garbage collection and verification. */
  *allNames(): Iterable<{
    readonly name: string;
    readonly versions: readonly FileVersion[];
    readonly history: readonly HistoryEntry[];
  }> {
    for (const [name, record] of this.names)
      yield { name, versions: record.versions, history: record.history };
  }

  /** Whether garbage collection removed these bytes (a later upload of the same content brings them back). */
  isCollected(sha256: string): boolean {
    return this.collected.has(sha256);
  }

  /** What a request with this id from this actor already did, if it succeeded before. */
  outcomeOf(actor: string, requestId: string): Outcome | undefined {
    return this.requests.outcomeOf(actor, requestId);
  }

  /** A compact copy of the whole state, so start-up can skip replaying the log up to `position`. */
  toSnapshot(): CatalogueSnapshot {
    const names: SnapshotName[] = [];
    for (const [name, record] of this.names) {
      const versions = record.versions.map((f): VersionTuple => [
        f.version,
        f.sha256,
        f.size,
        f.at,
        f.actor,
        f.seq,
        f.restoredFrom ?? 0,
      ]);
      const deletions = record.history.flatMap((entry): DeletionTuple[] =>
        entry.kind === 'deleted'
          ? [[entry.deletion.version, entry.deletion.at, entry.deletion.actor, entry.deletion.seq]]
          : [],
      );
      names.push([name, record.live?.version ?? 0, versions, deletions]);
    }
    return {
      format: SNAPSHOT_FORMAT,
      position: this.lastSeq,
      names,
      requests: this.requests.toTuples(),
      collected: [...this.collected],
      accounts: this.accounts.toTuples(),
      addresses: this.bans.toTuples(),
    };
  }

  /** Rebuilds a catalogue from a snapshot; undefined if the snapshot is of another format. */
  static fromSnapshot(snapshot: CatalogueSnapshot): Catalogue | undefined {
    if (snapshot.format !== SNAPSHOT_FORMAT) return undefined;
    const catalogue = new Catalogue();
    catalogue.lastSeq = snapshot.position;
    for (const [name, liveVersion, versionTuples, deletionTuples] of snapshot.names) {
      const versions = versionTuples.map(([version, sha256, size, at, actor, seq, from]): FileVersion => ({
        name,
        version,
        sha256,
        size,
        at,
        actor,
        seq,
        ...(from > 0 ? { restoredFrom: from } : {}),
      }));
      const history: HistoryEntry[] = [
        ...versions.map((file): HistoryEntry => ({
          kind: file.restoredFrom ? 'restored' : 'uploaded',
          file,
        })),
        ...deletionTuples.map(([version, at, actor, seq]): HistoryEntry => ({
          kind: 'deleted',
          deletion: { name, version, at, actor, seq },
        })),
      ].sort((a, b) => seqOf(a) - seqOf(b));
      const record: NameRecord = { versions, history, live: undefined };
      catalogue.names.set(name, record);
      catalogue.setLive(record, liveVersion > 0 ? versions[liveVersion - 1] : undefined);
    }
    catalogue.accounts = Accounts.fromTuples(snapshot.accounts);
    catalogue.bans = AddressBans.fromTuples(snapshot.addresses);
    for (const sha256 of snapshot.collected) catalogue.collected.add(sha256);
    catalogue.unsortedNames = [...catalogue.names.keys()];
    catalogue.requests = RequestMemory.fromTuples(snapshot.requests, (type, name, version, requestId) =>
      catalogue.outcomePayload(type, name, version, requestId),
    );
    return catalogue;
  }

  /** What the event of a remembered request said, rebuilt from the version it made or deleted. */
  private outcomePayload(
    type: OutcomeType,
    name: string,
    version: number,
    requestId: string,
  ): Outcome['payload'] {
    if (type === 'FileDeleted') return { name, version, requestId };
    const file = this.version(name, version)!;
    const { sha256, size, restoredFrom } = file;
    return type === 'FileRestored'
      ? { name, version, fromVersion: restoredFrom ?? 0, sha256, size, requestId }
      : { name, version, sha256, size, requestId };
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

/** Bumped whenever the catalogue's shape changes, so old snapshots are ignored rather than misread. */
export const SNAPSHOT_FORMAT = 3;

export interface Usage {
  readonly files: number;
  readonly bytes: number;
}

const NO_USAGE: Usage = { files: 0, bytes: 0 };

/** [version, sha256, size, at, actor, seq, restoredFrom or 0] */
type VersionTuple = [number, string, number, string, string, number, number];
/** [version, at, actor, seq] */
type DeletionTuple = [number, string, string, number];
/** [name, live version or 0, versions, deletions] */
type SnapshotName = [string, number, VersionTuple[], DeletionTuple[]];

/** Tuples rather than objects: a snapshot of a large catalogue is parsed at every start. */
export interface CatalogueSnapshot {
  readonly format: number;
  readonly position: number;
  readonly names: readonly SnapshotName[];
  readonly requests: readonly RequestTuple[];
  readonly collected: readonly string[];
  readonly accounts: readonly AccountTuple[];
  readonly addresses: readonly AddressTuple[];
}

function seqOf(entry: HistoryEntry): number {
  return entry.kind === 'deleted' ? entry.deletion.seq : entry.file.seq;
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
