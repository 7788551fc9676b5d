import { EventPayloads } from './events';

export type OutcomeType = 'FileUploaded' | 'FileDeleted' | 'FileRestored' | 'FileRenamed';

/** The name an outcome is about: for a rename, the name it made live. */
export function outcomeName(outcome: Outcome): string {
  return outcome.type === 'FileRenamed' ? outcome.payload.to : outcome.payload.name;
}

/** What carried out a request, kept so a retry with the same request id gets the same answer. */
export type Outcome<T extends OutcomeType = OutcomeType> = {
  [K in T]: {
    readonly seq: number;
    readonly type: K;
    readonly at: string;
    readonly payload: EventPayloads[K];
  };
}[T];

/** How long a request id is remembered: a retry within a day of the first attempt never acts twice. */
export const REQUEST_ID_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * The outcomes of requests that carried an id, for the request-id window. Entries arrive in log order, so
 * the oldest is always first and forgetting is a matter of dropping from the front; the window is
 * measured in event time, so a replay forgets exactly what the live server forgot.
 */
export class RequestMemory {
  private readonly outcomes = new Map<string, Outcome>();

  remember(actor: string, outcome: Outcome): void {
    const cutoff = new Date(Date.parse(outcome.at) - REQUEST_ID_WINDOW_MS).toISOString();
    for (const [key, oldest] of this.outcomes) {
      if (oldest.at >= cutoff) break;
      this.outcomes.delete(key);
    }
    const requestId = outcome.payload.requestId;
    if (requestId === undefined) return;
    const key = requestKey(actor, requestId);
    // Re-inserting keeps the map in time order when an id is reused after its first use failed.
    this.outcomes.delete(key);
    this.outcomes.set(key, {
      seq: outcome.seq,
      type: outcome.type,
      at: outcome.at,
      payload: answered(outcome),
    } as Outcome);
  }

  outcomeOf(actor: string, requestId: string): Outcome | undefined {
    return this.outcomes.get(requestKey(actor, requestId));
  }
}

/**
 * What a retry is answered with: the file the request made. How an upload's bytes arrived (appended,
 * resumed) is the original event's to say, so it is not kept.
 */
function answered(outcome: Outcome): Outcome['payload'] {
  if (outcome.type !== 'FileUploaded') return outcome.payload;
  const { name, version, sha256, size, requestId } = outcome.payload;
  return requestId === undefined
    ? { name, version, sha256, size }
    : { name, version, sha256, size, requestId };
}

const KEY_SEPARATOR = '\u0000';

/** Request ids are the client's choice, so they are scoped to the actor that chose them. */
function requestKey(actor: string, requestId: string): string {
  return `${actor}${KEY_SEPARATOR}${requestId}`;
}
