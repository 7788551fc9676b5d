import { inject, injectable } from 'inversify';
import { EventOrigin } from '../../domain/events';
import { CollectionPlan, planGarbageCollection } from '../../domain/garbage-collection';
import { Clock } from '../../domain/ports/clock.port';
import { FileStore } from '../../domain/ports/file-store.port';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';

export interface CollectRequest {
  readonly retentionDays: number;
  /** Only report what would go. */
  readonly dryRun: boolean;
}

/** Removes blobs no retained version needs. Runs with the server stopped (the data folder is locked). */
@injectable()
export class CollectGarbage {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.FileStore) private readonly store: FileStore,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  async execute(origin: EventOrigin, request: CollectRequest): Promise<CollectionPlan> {
    const stored: string[] = [];
    for await (const sha256 of this.store.list()) stored.push(sha256);
    const plan = planGarbageCollection(
      this.ledger.catalogue,
      stored,
      this.clock.now(),
      request.retentionDays,
    );
    if (request.dryRun || plan.blobs.length === 0) return plan;
    // Recorded before anything is removed: a crash half-way leaves bytes the log calls gone, never the reverse.
    this.ledger.record<'GarbageCollected'>({
      ...origin,
      type: 'GarbageCollected',
      payload: { retentionDays: request.retentionDays, blobs: plan.blobs, versions: plan.versions },
    });
    await this.ledger.drain();
    for (const sha256 of plan.blobs) await this.store.delete(sha256);
    return plan;
  }
}
