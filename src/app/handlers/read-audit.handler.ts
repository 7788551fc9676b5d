import { inject, injectable } from 'inversify';
import { canonicalJson, JsonValue } from '../../domain/audit/canonical-json';
import { ok, Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { EventLog } from '../../domain/ports/event-log.port';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';
import { TOKENS } from '../tokens';

/** At most this many events per AUDIT request: a client pages with `after=`. */
export const MAX_AUDIT_PAGE = 1000;

/** Admins read the audit log over the wire: events after a seq, as the canonical JSON that was hashed. */
@injectable()
export class ReadAudit {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(TOKENS.EventLog) private readonly log: EventLog,
    @inject(AccessGuard) private readonly access: AccessGuard,
  ) {}

  async execute(origin: EventOrigin, after: number, limit: number): Promise<Result<string[]>> {
    const allowed = this.access.check(origin, 'admin', 'AUDIT');
    if (!allowed.ok) return allowed;
    const records: string[] = [];
    const page = Math.min(limit, MAX_AUDIT_PAGE);
    if (page > 0) {
      for await (const event of this.log.read(after)) {
        records.push(canonicalJson(event as unknown as JsonValue));
        if (records.length >= page) break;
      }
    }
    this.ledger.record<'AuditRead'>({
      ...origin,
      type: 'AuditRead',
      payload: { after, count: records.length },
    });
    return ok(records);
  }
}
