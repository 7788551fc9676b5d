import { BlobReference } from '../audit/blob-references';
import { FerryEvent } from '../events';

/**
 * Where the catalogue tables of a data folder first depart from the log folded afresh. Rows are matched
 * on what they are about (a name, an account, an address...), never on internal ids.
 */
export type ProjectionDifference =
  /** The tables reflect another number of events than the log holds. */
  | { readonly kind: 'position'; readonly stored: number; readonly logSize: number }
  | {
      readonly kind: 'row';
      /** The table, e.g. `catalogue_versions`. */
      readonly table: string;
      /** What the row is about, for a person: `"report.pdf" version 2`, `account alice`. */
      readonly row: string;
      /**
       * `missing`: the log gives this row and the data folder lacks it; `extra`: the data folder has a row
       * the log does not give; `changed`: both have it, `column` differs.
       */
      readonly change: 'missing' | 'extra' | 'changed';
      readonly column?: string;
      /** The value in the data folder and the one the log gives, for `changed`, as text. */
      readonly stored?: string;
      readonly expected?: string;
    };

/**
 * A catalogue projection folded afresh from the log into a scratch store of its own (never the data
 * folder's), to hold the data folder's projection to: what `ferry audit verify` trusts instead of the
 * tables the server keeps. It holds no more in memory than a batch of events: the projection lives in
 * the scratch store, and every read streams.
 */
export interface ScratchProjection {
  /** Folds the next events of the log, in order; throws for an event the catalogue cannot take. */
  fold(events: readonly FerryEvent[]): void;
  /**
   * Holds the data folder's projection, read in the audit reader's current snapshot, to what was folded
   * here from the `logSize` events of that same snapshot; the first difference, or undefined.
   */
  compareWithStored(logSize: number): ProjectionDifference | undefined;
  /**
   * Every blob any version folded here refers to (deleted ones included), once each, in the order the log
   * first referred to them, leaving out those the log records as garbage-collected; read as iterated.
   */
  blobReferences(): Iterable<BlobReference>;
  /** Closes the scratch store and removes it. */
  close(): void;
}
