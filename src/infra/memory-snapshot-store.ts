import { CatalogueSnapshot } from '../domain/catalogue';
import { SnapshotStore } from '../domain/ports/snapshot-store.port';

/** Snapshots in memory, kept as JSON text so a test sees exactly what a restart would read back. */
export class MemorySnapshotStore implements SnapshotStore {
  private readonly saved: Array<{ position: number; lastEventAt: string; json: string }> = [];

  async latest(limits: { maxSeq?: number; maxTime?: string } = {}): Promise<CatalogueSnapshot | undefined> {
    const fits = this.saved.filter(
      (entry) =>
        entry.position <= (limits.maxSeq ?? Number.MAX_SAFE_INTEGER) &&
        (limits.maxTime === undefined || entry.lastEventAt <= limits.maxTime),
    );
    const newest = fits.sort((a, b) => b.position - a.position)[0];
    return newest ? (JSON.parse(newest.json) as CatalogueSnapshot) : undefined;
  }

  async save(snapshot: CatalogueSnapshot, lastEventAt: string): Promise<void> {
    this.saved.push({ position: snapshot.position, lastEventAt, json: JSON.stringify(snapshot) });
  }

  async close(): Promise<void> {}
}
