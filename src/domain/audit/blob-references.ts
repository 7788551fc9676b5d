/**
 * A blob the log says must exist, with the first file version that put it there, to name in a failure.
 *
 * The blobs that must exist are those referred to by any version of any name, deleted ones included
 * (deleting a file keeps its bytes for the history), once each, in the order the log first referred to
 * them; blobs the log itself records as garbage-collected (and no later upload brought back) are left
 * out: their absence is accounted for. Verification reads them from the log folded afresh
 * (`ScratchProjection.blobReferences`), a stream, so that no set of every blob is held in memory.
 */
export interface BlobReference {
  readonly sha256: string;
  readonly size: number;
  readonly name: string;
  readonly version: number;
  readonly seq: number;
}
