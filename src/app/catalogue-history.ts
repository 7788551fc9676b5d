import { inject, injectable } from 'inversify';
import { Catalogue } from '../domain/catalogue';
import { EventLog } from '../domain/ports/event-log.port';
import { isAtOrBefore, PointInTime } from '../domain/point-in-time';
import { TOKENS } from './tokens';

/** Time travel: the catalogue exactly as it was at a past point, folded again from the log. */
@injectable()
export class CatalogueHistory {
  constructor(@inject(TOKENS.EventLog) private readonly log: EventLog) {}

  async at(point: PointInTime): Promise<Catalogue> {
    const catalogue = new Catalogue();
    for await (const event of this.log.read(0)) {
      if (!isAtOrBefore(event, point)) break;
      catalogue.apply(event);
    }
    return catalogue;
  }
}
