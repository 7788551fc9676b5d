/**
 * A log's catalogue projection, to empty and fold again from the whole log: `ferry admin rebuild`, with
 * the server stopped. The log itself is only read.
 */
export interface CatalogueRebuild {
  /** Empties the projection: it then reflects no event (its position is 0). */
  dropCatalogue(): void;
  /**
   * Folds every event the projection does not reflect yet, in bounded batches each committed on its own,
   * reporting progress after each; resolves with how many were folded.
   */
  catchUp(progress: (folded: number, behind: number) => void): Promise<number>;
}
