import { FerryEvent } from './events';
import { Usage } from './file-versions';

/** The bytes kept for one resumable upload whose last attempt was interrupted. */
export interface HeldUpload {
  readonly actor: string;
  /** The upload's id, chosen by its client; ids are the actor's own, as request ids are. */
  readonly upload: string;
  readonly name: string;
  /** Bytes held durably: where the next attempt continues. */
  readonly held: number;
  /** When the last attempt was interrupted (log time): expiry counts from here. */
  readonly at: string;
  readonly seq: number;
}

export interface HeldUploadsReader {
  get(actor: string, upload: string): HeldUpload | undefined;
  /** Every held upload, oldest interruption first. */
  all(): HeldUpload[];
}

/**
 * The projection of resumable uploads that are interrupted and not yet published, refused at their end,
 * or expired. Few (one per interrupted transfer), so held whole in memory, in the order of their last
 * interruption.
 */
export class HeldUploads implements HeldUploadsReader {
  private readonly uploads = new Map<string, HeldUpload>();

  static of(uploads: readonly HeldUpload[]): HeldUploads {
    const folded = new HeldUploads();
    for (const upload of [...uploads].sort((a, b) => a.seq - b.seq)) {
      folded.uploads.set(heldUploadKey(upload.actor, upload.upload), upload);
    }
    return folded;
  }

  /** Folds one event; returns the [actor, upload] pairs whose record it changed or removed. */
  apply(event: FerryEvent): Array<[string, string]> {
    switch (event.type) {
      case 'UploadInterrupted': {
        const { upload, name, held } = event.payload;
        const key = heldUploadKey(event.actor, upload);
        // Deleted first so the map stays in the order of the last interruption.
        this.uploads.delete(key);
        this.uploads.set(key, { actor: event.actor, upload, name, held, at: event.at, seq: event.seq });
        return [[event.actor, upload]];
      }
      case 'FileUploaded':
        return event.payload.upload ? this.drop(event.actor, event.payload.upload.id) : [];
      case 'CommandRejected':
        return event.payload.upload === undefined ? [] : this.drop(event.actor, event.payload.upload);
      case 'UploadsExpired':
        return event.payload.uploads.flatMap(({ actor, upload }) => this.drop(actor, upload));
      default:
        return [];
    }
  }

  get(actor: string, upload: string): HeldUpload | undefined {
    return this.uploads.get(heldUploadKey(actor, upload));
  }

  all(): HeldUpload[] {
    return [...this.uploads.values()];
  }

  private drop(actor: string, upload: string): Array<[string, string]> {
    return this.uploads.delete(heldUploadKey(actor, upload)) ? [[actor, upload]] : [];
  }
}

/**
 * One held upload's key, here and in the file store: upload ids are the actor's own, as request ids are,
 * so the actor is part of it.
 */
export function heldUploadKey(actor: string, upload: string): string {
  return `${actor}\u0000${upload}`;
}

/**
 * The held upload `upload` of `actor` that a client resuming `name` continues: one of that name, newer
 * than its live version (a version published since makes the held bytes stale).
 */
export function heldToContinue(
  held: HeldUploadsReader,
  live: { readonly seq: number } | undefined,
  actor: string,
  upload: string,
  name: string,
): HeldUpload | undefined {
  const found = held.get(actor, upload);
  if (!found || found.name !== name) return undefined;
  return live === undefined || found.seq > live.seq ? found : undefined;
}

/**
 * The bytes held for `actor`'s interrupted uploads, but those of `except` (the upload being continued,
 * whose bytes are part of its file): they take disk space, so they count against the account's quota.
 */
export function heldUsage(held: HeldUploadsReader, actor: string, except?: string): Usage {
  let bytes = 0;
  for (const upload of held.all())
    if (upload.actor === actor && upload.upload !== except) bytes += upload.held;
  return { files: 0, bytes };
}
