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
 * Every blob referenced by any version of the given names, deleted ones included (deleting a file keeps
 * its bytes for the history), once each, in the order the log first referred to them. Blobs the log
 * itself records as garbage-collected are left out: their absence is accounted for.
 */
export function blobReferences(catalogue: Catalogue, names: Iterable<string>): BlobReference[] {
  const versions: BlobReference[] = [];
  for (const name of names) {
    for (let version = 1; version <= catalogue.latestVersion(name); version++) {
      const file = catalogue.version(name, version);
      if (file && !catalogue.isCollected(file.sha256))
        versions.push({ sha256: file.sha256, size: file.size, name, version, seq: file.seq });
    }
  }
  versions.sort((a, b) => a.seq - b.seq);
  const seen = new Set<string>();
  return versions.filter((reference) => !seen.has(reference.sha256) && seen.add(reference.sha256));
}
