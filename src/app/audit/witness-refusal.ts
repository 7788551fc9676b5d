import { WitnessReply } from '../../domain/ports/witness-client.port';

/** A witness's refusal as the log records it (WitnessRefused). */
export interface Refusal {
  /** What kind of refusal it is: recorded once per kind (see WitnessSubmissions). */
  readonly kind: string;
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
  if (size !== undefined && size > checkpointSize) {
    const reason = `the witness has cosigned a checkpoint of size ${size}, larger than this log's`;
    return { kind: 'witness-ahead', status: 409, reason };
  }
  if (size !== undefined && size === believedSize) {
    // The old size was the witness's own: only another root for the same size is refused so.
    const reason = `the witness has cosigned another checkpoint of size ${size}: a split view`;
    return { kind: 'split-view', status: 409, reason };
  }
  if (size !== undefined) {
    const reason = `the witness's last cosigned size keeps changing (now ${size})`;
    return { kind: 'witness-moving', status: 409, reason };
  }
  const said = printable(reply.body.split('\n')[0]);
  return {
    kind: `http-${reply.status}`,
    status: reply.status,
    reason: said === '' ? `HTTP ${reply.status}` : `HTTP ${reply.status}: ${said}`,
  };
}

/**
 * A witness's words as they go into the log: whole characters (a cut never splits one, which the log's
 * canonical JSON would refuse), none that controls or hides text (controls, format characters such as
 * bidi overrides and zero-width ones, line and paragraph separators: what names refuse too), at most
 * MAX_REASON_LENGTH of them.
 */
function printable(text: string): string {
  return Array.from(text.toWellFormed())
    .filter((character) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(character))
    .slice(0, MAX_REASON_LENGTH)
    .join('');
}
