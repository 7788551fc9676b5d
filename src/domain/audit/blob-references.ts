import { Catalogue } from '../catalogue';

/** A blob the log says must exist, with the first file version that put it there, to name in a failure. */
export interface BlobReference {
  readonly sha256: string;
  readonly size: number;
  readonly name: string;
  readonly version: number;
  readonly seq: number;
}

/**
 * Every blob referenced by any version of any name, deleted ones included (deleting a file keeps
 * its bytes for the history), once each, in the order the log first referred to them. Blobs the log
 * itself records as garbage-collected are left out: their absence is accounted for.
 */
export function blobReferences(catalogue: Catalogue): BlobReference[] {
  const versions: BlobReference[] = [];
  for (const { name, versions: stored } of catalogue.allNames()) {
    for (const file of stored) {
      if (!catalogue.isCollected(file.sha256)) {
        versions.push({ sha256: file.sha256, size: file.size, name, version: file.version, seq: file.seq });
      }
    }
  }
  versions.sort((a, b) => a.seq - b.seq);
  const seen = new Set<string>();
  return versions.filter((reference) => !seen.has(reference.sha256) && seen.add(reference.sha256));
}
