/**
 * The bytes every blob writer of a store has gathered and not yet written, together. Each writer gathers
 * up to a batch before it writes; with hundreds of uploads at once that would hold hundreds of batches in
 * memory, so once the writers together hold `limit` bytes, each writes what it has at once instead.
 */
export class WriteBehindBudget {
  private held = 0;

  constructor(private readonly limit: number) {}

  get exhausted(): boolean {
    return this.held >= this.limit;
  }

  take(bytes: number): void {
    this.held += bytes;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }
}
