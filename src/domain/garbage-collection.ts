import { Catalogue } from './catalogue';

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
  catalogue: Catalogue,
  storedBlobs: Iterable<string>,
  now: Date,
  retentionDays: number,
): CollectionPlan {
  const keepAfter = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
  const retained = new Set<string>();
  const expired: Array<{ name: string; version: number; sha256: string }> = [];
  for (const { name, history } of catalogue.allNames()) {
    for (let i = 0; i < history.length; i++) {
      const entry = history[i];
      if (entry.kind === 'deleted') continue;
      const endedAt = history[i + 1] ? timeOf(history[i + 1]) : undefined;
      if (endedAt === undefined || endedAt > keepAfter) retained.add(entry.file.sha256);
      else expired.push({ name, version: entry.file.version, sha256: entry.file.sha256 });
    }
  }
  const blobs = [...storedBlobs].filter((sha256) => !retained.has(sha256)).sort();
  const going = new Set(blobs);
  const versions = expired
    .filter((version) => going.has(version.sha256))
    .map(({ name, version }) => ({ name, version }));
  return { blobs, versions };
}

function timeOf(entry: ReturnType<Catalogue['history']>[number]): string {
  return entry.kind === 'deleted' ? entry.deletion.at : entry.file.at;
}
