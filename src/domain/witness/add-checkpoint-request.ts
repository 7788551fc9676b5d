import { fromBase64, toBase64 } from '../audit/hash';

/**
 * The body of a C2SP tlog-witness `add-checkpoint` request: `old <size>`, the consistency proof from that
 * size, one base64 hash per line, a blank line, then the signed checkpoint note.
 */
export interface AddCheckpointRequest {
  /** The size of the checkpoint the witness last cosigned for this log, as the log believes it. */
  readonly oldSize: number;
  readonly proof: readonly Uint8Array[];
  readonly note: string;
}

/** The spec's limit: a proof of a tree of up to 2^63 leaves has fewer lines. */
export const MAX_PROOF_LINES = 63;
const HASH_LENGTH = 32;

export function formatAddCheckpointRequest(request: AddCheckpointRequest): string {
  const proof = request.proof.map((node) => `${toBase64(node)}\n`).join('');
  return `old ${request.oldSize}\n${proof}\n${request.note}`;
}

/** The request, or why it is malformed (the witness answers 400 Bad Request). */
export function parseAddCheckpointRequest(
  body: string,
): { ok: true; request: AddCheckpointRequest } | { ok: false; reason: string } {
  const blank = body.indexOf('\n\n');
  if (blank < 0) return { ok: false, reason: 'no blank line before the checkpoint' };
  const [oldLine, ...proofLines] = body.slice(0, blank).split('\n');
  const old = /^old (0|[1-9]\d{0,15})$/.exec(oldLine);
  if (old === null || !Number.isSafeInteger(Number(old[1]))) {
    return { ok: false, reason: 'the first line is not "old <size>"' };
  }
  if (proofLines.length > MAX_PROOF_LINES) {
    return { ok: false, reason: `more than ${MAX_PROOF_LINES} consistency proof lines` };
  }
  const proof: Uint8Array[] = [];
  for (const line of proofLines) {
    const node = fromBase64(line);
    if (node?.length !== HASH_LENGTH) return { ok: false, reason: 'a proof line is not a base64 hash' };
    proof.push(node);
  }
  return { ok: true, request: { oldSize: Number(old[1]), proof, note: body.slice(blank + 2) } };
}
