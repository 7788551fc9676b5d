import { Usage } from '../domain/file-versions';

/**
 * Uploads under way, by declared size: counted against free space and quotas from the moment they are
 * accepted, so two concurrent uploads cannot each pass a check that only one of them fits.
 */
export class UploadReservations {
  private total = 0;
  private readonly byActor = new Map<string, Usage>();

  get bytes(): number {
    return this.total;
  }

  of(actor: string): Usage {
    return this.byActor.get(actor) ?? { files: 0, bytes: 0 };
  }

  /** Reserves and returns the release, which is safe to call more than once. */
  reserve(actor: string, bytes: number): () => void {
    this.add(actor, 1, bytes);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.add(actor, -1, -bytes);
    };
  }

  private add(actor: string, files: number, bytes: number): void {
    this.total += bytes;
    const now = this.of(actor);
    const next = { files: now.files + files, bytes: now.bytes + bytes };
    if (next.files === 0) this.byActor.delete(actor);
    else this.byActor.set(actor, next);
  }
}
