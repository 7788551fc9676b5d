import { CatalogueStore } from './ports/catalogue-store.port';

export interface CollectionPlan {
  /** Stored blobs that no retained version needs, orphans from crashes included. */
  readonly blobs: readonly string[];
  /** Versions whose bytes go with them: they stay in the history, but can no longer be downloaded or restored. */
  readonly versions: ReadonlyArray<{ readonly name: string; readonly version: number }>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Which blobs may go. A version is retained while it is live, and for `retentionDays` after it stopped
 * being live (replaced or deleted), so RESTORE keeps working for that long. A blob goes only when no
 * retained version of any name has its content.
 */
export function planGarbageCollection(
  catalogue: Pick<CatalogueStore, 'allVersions'>,
  storedBlobs: Iterable<string>,
  now: Date,
  retentionDays: number,
): CollectionPlan {
  const keepAfter = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
  const retained = new Set<string>();
  const expired: Array<{ name: string; version: number; sha256: string }> = [];
  for (const { name, version, sha256, endedAt } of catalogue.allVersions()) {
    if (endedAt === undefined || endedAt > keepAfter) retained.add(sha256);
    else expired.push({ name, version, sha256 });
  }
  const blobs = [...storedBlobs].filter((sha256) => !retained.has(sha256)).sort();
  const going = new Set(blobs);
  const versions = expired
    .filter((version) => going.has(version.sha256))
    .map(({ name, version }) => ({ name, version }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version));
  return { blobs, versions };
}
