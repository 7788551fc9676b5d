import { FileVersion } from '../catalogue';
import { CatalogueStore } from '../ports/catalogue-store.port';

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
export function blobReferences(
  catalogue: Pick<CatalogueStore, 'allVersions' | 'isCollected'>,
): BlobReference[] {
  const first = new Map<string, FileVersion>();
  for (const file of catalogue.allVersions()) {
    const known = first.get(file.sha256);
    if (!known || file.seq < known.seq) first.set(file.sha256, file);
  }
  return [...first.values()]
    .filter((file) => !catalogue.isCollected(file.sha256))
    .sort((a, b) => a.seq - b.seq)
    .map(({ sha256, size, name, version, seq }) => ({ sha256, size, name, version, seq }));
}
