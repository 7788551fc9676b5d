import { injectable } from 'inversify';

/**
 * Resumable uploads in flight, by held upload key (`heldUploadKey`, also their id in the file store). A client that starts a new attempt (with OFFSET or UPLOAD)
 * says the previous one is dead, though the server may not have seen its connection go (a link that died
 * without a word, or bytes still being made durable): that one is interrupted, and waited for until its
 * bytes are held and recorded, so the new attempt continues from all of them.
 */
@injectable()
export class ResumableAttempts {
  private readonly running = new Map<string, () => Promise<void>>();

  add(id: string, interrupt: () => Promise<void>): void {
    this.running.set(id, interrupt);
  }

  remove(id: string, interrupt: () => Promise<void>): void {
    if (this.running.get(id) === interrupt) this.running.delete(id);
  }

  /** Interrupts the attempt in flight on `id`, if any, and resolves once its bytes are held and recorded. */
  async settle(id: string): Promise<void> {
    await this.running.get(id)?.();
  }
}
