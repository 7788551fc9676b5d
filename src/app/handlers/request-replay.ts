import { Outcome, OutcomeType } from '../../domain/catalogue';
import { domainError, fail, ok, Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { Ledger } from '../ledger';
import { outcomeName } from '../../domain/request-memory';

/**
 * A request id makes a write safe to retry after a dropped connection: if the same actor already
 * carried out a request with this id, the original result is returned (and the retry recorded) instead
 * of acting twice. Undefined means "not seen before: go ahead".
 */
export async function replayIfRepeated<T extends OutcomeType>(
  ledger: Ledger,
  origin: EventOrigin,
  command: string,
  requestId: string | undefined,
  expected: T,
): Promise<Result<Outcome<T>> | undefined> {
  if (requestId === undefined) return undefined;
  const original = ledger.catalogue.outcomeOf(origin.actor, requestId);
  if (!original) return undefined;
  if (original.type !== expected) {
    const error = domainError('BAD_REQUEST', `request id ${requestId} was already used for another command`);
    ledger.reject(origin, command, error, outcomeName(original));
    return fail(error.code, error.message);
  }
  ledger.record<'RequestReplayed'>({
    ...origin,
    type: 'RequestReplayed',
    payload: { command, requestId, originalSeq: original.seq },
  });
  return ok(original as Outcome<T>);
}
