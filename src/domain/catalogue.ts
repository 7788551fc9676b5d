import { FerryEvent } from './events';

/** One stored version of a name: immutable once recorded. */
export interface FileVersion {
  readonly name: string;
  readonly version: number;
  readonly sha256: string;
  readonly size: number;
  readonly at: string;
  readonly actor: string;
  readonly seq: number;
}

export type HistoryEntry =
  | { readonly kind: 'uploaded'; readonly file: FileVersion }
  | {
      readonly kind: 'deleted';
      readonly name: string;
      readonly version: number;
      readonly at: string;
      readonly actor: string;
      readonly seq: number;
    };

interface NameRecord {
  readonly versions: FileVersion[];
  readonly history: HistoryEntry[];
  live: FileVersion | undefined;
}

/**
 * The projection of the audit log into "which names exist, with which versions". It is only ever changed
 * by applying events in log order, so replaying the same events always yields the same catalogue.
 */
export class Catalogue {
  private readonly names = new Map<string, NameRecord>();
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
      case 'FileUploaded': {
        const file: FileVersion = { ...event.payload, at: event.at, actor: event.actor, seq: event.seq };
        const record = this.record(file.name);
        record.versions.push(file);
        record.history.push({ kind: 'uploaded', file });
        record.live = file;
        return;
      }
      case 'FileDeleted': {
        const record = this.record(event.payload.name);
        record.history.push({
          kind: 'deleted',
          ...event.payload,
          at: event.at,
          actor: event.actor,
          seq: event.seq,
        });
        record.live = undefined;
        return;
      }
      case 'SessionOpened':
      case 'SessionClosed':
      case 'HelpShown':
      case 'FilesListed':
      case 'FileDownloaded':
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

  private record(name: string): NameRecord {
    let record = this.names.get(name);
    if (!record) {
      record = { versions: [], history: [], live: undefined };
      this.names.set(name, record);
    }
    return record;
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
