import { CatalogueRebuild } from '../../domain/ports/catalogue-rebuild.port';
import { Clock } from '../../domain/ports/clock.port';

/** A data folder opened, and locked against a server, for `ferry admin rebuild`. */
export interface RebuildToolkit {
  readonly catalogue: CatalogueRebuild;
  readonly clock: Clock;
  /** Closes the log and releases the data folder. */
  close(): Promise<void>;
}

export interface RebuildReport {
  /** Events folded: the whole log. */
  readonly folded: number;
  readonly elapsedMs: number;
}

/**
 * Empties the catalogue projection and folds the whole log into it again, in batches: the remedy when
 * `ferry audit verify` finds the tables differing from the log. Interrupted, it leaves a projection
 * behind its log, which the next start (or the next rebuild) carries on from; never a wrong one.
 */
export async function rebuildCatalogue(
  toolkit: Pick<RebuildToolkit, 'catalogue' | 'clock'>,
  progress: (folded: number, total: number) => void,
): Promise<RebuildReport> {
  const { catalogue, clock } = toolkit;
  const started = clock.now().getTime();
  catalogue.dropCatalogue();
  const folded = await catalogue.catchUp(progress);
  return { folded, elapsedMs: clock.now().getTime() - started };
}
