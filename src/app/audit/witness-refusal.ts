import { WitnessReply } from '../../domain/ports/witness-client.port';

/** A witness's refusal as the log records it (WitnessRefused). */
export interface Refusal {
  readonly status: number;
  readonly reason: string;
}

const MAX_REASON_LENGTH = 200;

/** The size a 409 answer names (the witness's last cosigned one), if it names one. */
export function witnessSizeOf(reply: WitnessReply): number | undefined {
  return reply.status === 409 && /^\d{1,15}\n?$/.test(reply.body) ? Number(reply.body.trim()) : undefined;
}

/** What a witness's answer other than a cosignature says, in words for the log. */
export function refusalOf(reply: WitnessReply, believedSize: number, checkpointSize: number): Refusal {
  const size = witnessSizeOf(reply);
  if (size !== undefined) {
    let reason = `the witness's last cosigned size keeps changing (now ${size})`;
    if (size > checkpointSize) {
      reason = `the witness has cosigned a checkpoint of size ${size}, larger than this log's`;
    } else if (size === believedSize) {
      // The old size was the witness's own: only another root for the same size is refused so.
      reason = `the witness has cosigned another checkpoint of size ${size}: a split view`;
    }
    return { status: 409, reason };
  }
  const said = printable(reply.body.split('\n')[0]);
  return {
    status: reply.status,
    reason: said === '' ? `HTTP ${reply.status}` : `HTTP ${reply.status}: ${said}`,
  };
}

/**
 * A witness's words as they go into the log: whole characters (a cut never splits one, which the log's
 * canonical JSON would refuse), no control characters, at most MAX_REASON_LENGTH of them.
 */
function printable(text: string): string {
  return Array.from(text.toWellFormed())
    .filter((character) => !/\p{Cc}/u.test(character))
    .slice(0, MAX_REASON_LENGTH)
    .join('');
}
