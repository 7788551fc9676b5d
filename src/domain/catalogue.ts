import { EventOf, FerryEvent } from './events';

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

/** The event that carried out a request, kept so a retry with the same request id gets the same answer. */
export type RequestOutcome = EventOf<'FileUploaded'> | EventOf<'FileDeleted'> | EventOf<'FileRestored'>;

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
  private readonly requests = new Map<string, RequestOutcome>();
  private lastSeq = 0;

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
        record.versions.push(file);
        record.history.push({ kind: event.type === 'FileUploaded' ? 'uploaded' : 'restored', file });
        record.live = file;
        this.remember(event);
        return;
      }
      case 'FileDeleted': {
        const { name, version } = event.payload;
        const record = this.record(name);
        record.history.push({
          kind: 'deleted',
          deletion: { name, version, at: event.at, actor: event.actor, seq: event.seq },
        });
        record.live = undefined;
        this.remember(event);
        return;
      }
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
    for (const [name, record] of this.names) {
      if (record.live && name.startsWith(prefix)) files.push(record.live);
    }
    return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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

  /** What a request with this id from this actor already did, if it succeeded before. */
  outcomeOf(actor: string, requestId: string): RequestOutcome | undefined {
    return this.requests.get(requestKey(actor, requestId));
  }

  toSnapshot(): CatalogueSnapshot {
    return {
      format: SNAPSHOT_FORMAT,
      position: this.lastSeq,
      names: [...this.names].map(([name, record]) => ({
        name,
        versions: record.versions,
        deletions: record.history.flatMap((entry) => (entry.kind === 'deleted' ? [entry.deletion] : [])),
        live: record.live?.version ?? 0,
      })),
      requests: [...this.requests.values()],
    };
  }

  /** Rebuilds a catalogue from a snapshot; undefined if the snapshot is of another format. */
  static fromSnapshot(snapshot: CatalogueSnapshot): Catalogue | undefined {
    if (snapshot.format !== SNAPSHOT_FORMAT) return undefined;
    const catalogue = new Catalogue();
    catalogue.lastSeq = snapshot.position;
    for (const entry of snapshot.names) {
      const history: HistoryEntry[] = [
        ...entry.versions.map((file): HistoryEntry => ({
          kind: file.restoredFrom ? 'restored' : 'uploaded',
          file,
        })),
        ...entry.deletions.map((deletion): HistoryEntry => ({ kind: 'deleted', deletion })),
      ].sort((a, b) => seqOf(a) - seqOf(b));
      const live = entry.live > 0 ? entry.versions[entry.live - 1] : undefined;
      catalogue.names.set(entry.name, { versions: [...entry.versions], history, live });
    }
    for (const outcome of snapshot.requests) catalogue.remember(outcome);
    return catalogue;
  }

  private remember(event: RequestOutcome): void {
    const requestId = event.payload.requestId;
    if (requestId !== undefined) this.requests.set(requestKey(event.actor, requestId), event);
  }

  private record(name: string): NameRecord {
    let record = this.names.get(name);
    if (!record) {
      record = { versions: [], history: [], live: undefined };
      this.names.set(name, record);
    }
    return record;
  }
}

/** Bumped whenever the catalogue's shape changes, so old snapshots are ignored rather than misread. */
export const SNAPSHOT_FORMAT = 1;

export interface CatalogueSnapshot {
  readonly format: number;
  readonly position: number;
  readonly names: ReadonlyArray<{
    readonly name: string;
    readonly versions: readonly FileVersion[];
    readonly deletions: readonly Deletion[];
    /** The live version number, 0 when the name is deleted. */
    readonly live: number;
  }>;
  readonly requests: readonly RequestOutcome[];
}

function seqOf(entry: HistoryEntry): number {
  return entry.kind === 'deleted' ? entry.deletion.seq : entry.file.seq;
}

/** Request ids are the client's choice, so they are scoped to the actor that chose them. */
function requestKey(actor: string, requestId: string): string {
  return `${actor}\u0000${requestId}`;
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
