import { inject, injectable } from 'inversify';
import { confinePrefix } from '../../domain/authorization';
import { FileVersion } from '../../domain/file-versions';
import { Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { EventLog } from '../../domain/ports/event-log.port';
import { describePoint, PointInTime } from '../../domain/point-in-time';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';

/** A listing comes in pages of at most this many files unless the client asks for fewer. */
export const LIST_PAGE_LIMIT = 1000;

export interface ListRequest {
  readonly prefix: string;
  /** A past moment of the log instead of now. */
  readonly at?: PointInTime;
  /** Only names after this one: the `next` of the previous page. */
  readonly after?: string;
  /** At most this many files (1 to LIST_PAGE_LIMIT; that limit when absent). */
  readonly limit?: number;
}

export interface Listing {
  readonly files: FileVersion[];
  /** Set when more files follow: the name to pass as `after` for the next page. */
  readonly next?: string;
}

@injectable()
export class ListFiles {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.EventLog) private readonly log: EventLog,
    @inject(AccessGuard) private readonly access: AccessGuard,
  ) {}

  /** One page of the live files now, or as they were at a past point; never a name outside the caller's home. */
  async execute(origin: EventOrigin, request: ListRequest): Promise<Result<Listing>> {
    const allowed = this.access.check(origin, 'read', 'LIST');
    if (!allowed.ok) return allowed;
    const confined = confinePrefix(allowed.value, request.prefix);
    if (!confined.ok) {
      this.ledger.reject(origin, 'LIST', confined.error);
      return confined;
    }
    const prefix = confined.value;
    const limit = Math.min(request.limit ?? LIST_PAGE_LIMIT, LIST_PAGE_LIMIT);
    // One more than the page holds says whether another page follows.
    const page = { limit: limit + 1, ...(request.after === undefined ? {} : { after: request.after }) };
    const at = request.at;
    const catalogue = this.ledger.catalogue;
    const files = at ? catalogue.listAt(prefix, await this.seqOf(at), page) : catalogue.list(prefix, page);
    const more = files.length > limit;
    if (more) files.length = limit;
    const payload = {
      prefix,
      count: files.length,
      ...(request.after === undefined ? {} : { after: request.after }),
      ...(at ? { at: describePoint(at) } : {}),
    };
    this.ledger.record<'FilesListed'>({ ...origin, type: 'FilesListed', payload });
    return { ok: true, value: { files, ...(more ? { next: files[files.length - 1].name } : {}) } };
  }

  private async seqOf(point: PointInTime): Promise<number> {
    const now = this.ledger.catalogue.position();
    return point.kind === 'seq' ? Math.min(point.seq, now) : Math.min(await this.log.seqAt(point.time), now);
  }
}
