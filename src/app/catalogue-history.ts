import { inject, injectable } from 'inversify';
import { Catalogue } from '../domain/catalogue';
import { EventLog } from '../domain/ports/event-log.port';
import { SnapshotStore } from '../domain/ports/snapshot-store.port';
import { PointInTime } from '../domain/point-in-time';
import { restoreCatalogue } from './restore-catalogue';
import { TOKENS } from './tokens';

/** Time travel: the catalogue exactly as it was at a past point, folded again from the log. */
@injectable()
export class CatalogueHistory {
  constructor(
    @inject(TOKENS.EventLog) private readonly log: EventLog,
    @inject(TOKENS.SnapshotStore) private readonly snapshots: SnapshotStore,
  ) {}

  at(point: PointInTime): Promise<Catalogue> {
    return restoreCatalogue(this.log, this.snapshots, { at: point });
  }
}
