import { Catalogue } from '../domain/catalogue';
import { EventLog } from '../domain/ports/event-log.port';
import { SnapshotStore } from '../domain/ports/snapshot-store.port';
import { isAtOrBefore, PointInTime } from '../domain/point-in-time';

/**
 * The catalogue at a point of the log (the end, when no point is given): the newest snapshot at or
 * before that point, then the events after it. A snapshot ahead of the log (a log restored from an older
 * backup) or in another format is ignored and the whole log replayed instead.
 */
export async function restoreCatalogue(
  log: EventLog,
  snapshots: SnapshotStore,
  options: { at?: PointInTime },
): Promise<Catalogue> {
  const at = options.at;
  const lastSeq = await log.lastSeq();
  const maxSeq = at?.kind === 'seq' ? Math.min(at.seq, lastSeq) : lastSeq;
  const saved = await snapshots.latest({ maxSeq, maxTime: at?.kind === 'time' ? at.time : undefined });
  const catalogue = (saved && Catalogue.fromSnapshot(saved)) || new Catalogue();
  for await (const event of log.read(catalogue.position)) {
    if (at && !isAtOrBefore(event, at)) break;
    catalogue.apply(event);
  }
  return catalogue;
}
