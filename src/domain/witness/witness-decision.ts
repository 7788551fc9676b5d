import { parseCheckpointText } from '../audit/checkpoint-note';
import { bytesEqual, HashFn } from '../audit/hash';
import { emptyTreeHash, verifyConsistency } from '../audit/merkle';
import { parseSignedNote, signaturesBy } from '../audit/signed-note';
import { SignatureVerifier } from '../ports/signature-verifier.port';
import { AddCheckpointRequest } from './add-checkpoint-request';

/** The newest checkpoint a witness has cosigned for one log. */
export interface WitnessedHead {
  readonly size: number;
  readonly root: Uint8Array;
}

export type WitnessVerdict =
  | {
      readonly kind: 'cosign';
      readonly origin: string;
      readonly head: WitnessedHead;
      /** The note's text, which the cosignature covers. */
      readonly text: string;
    }
  | WitnessRefusal;

export interface WitnessRefusal {
  readonly kind: 'refuse';
  /** The HTTP status C2SP tlog-witness gives this refusal. */
  readonly status: 400 | 403 | 404 | 409 | 422;
  readonly reason: string;
  /** With 409: the size the witness has cosigned, which the log should prove consistency from. */
  readonly latestSize?: number;
  /**
   * A checkpoint the log did sign that the witness cannot reconcile with what it cosigned: of the same
   * size with another root (proof of a split view on its own), or not proven to extend it. The witness
   * keeps such a request for its operator.
   */
  readonly evidence?: boolean;
}

/**
 * A witness's judgement of one add-checkpoint request, in the order tlog-witness gives: unknown log (404),
 * no valid signature of a key trusted for it (403), old size past the checkpoint (400), old size not the
 * one the witness last cosigned (409, with that size), same size with another root (409, a split view),
 * a consistency proof that does not hold (422). Anything else is cosigned.
 */
export function judgeAddCheckpoint(
  hash: HashFn,
  request: AddCheckpointRequest,
  trustedKeys: (origin: string) => readonly SignatureVerifier[],
  latest: (origin: string) => WitnessedHead | undefined,
): WitnessVerdict {
  const note = parseSignedNote(request.note);
  const head = note && parseCheckpointText(note.text);
  if (note === undefined || head === undefined) {
    return refuse(400, 'the body does not end in a signed checkpoint note');
  }
  const { origin } = head;
  const keys = trustedKeys(origin);
  if (keys.length === 0) return refuse(404, `no log named ${origin} is known here`);
  const message = new TextEncoder().encode(note.text);
  const signed = keys.some((key) =>
    signaturesBy(hash, note, origin, key.rawPublicKey).some((signature) => key.verify(message, signature)),
  );
  if (!signed) return refuse(403, `the checkpoint carries no valid signature by a key trusted for ${origin}`);
  if (request.oldSize > head.size) {
    return refuse(400, `old size ${request.oldSize} is past the checkpoint's size ${head.size}`);
  }
  // A log it never cosigned is, to it, the empty tree: size 0, whose root is the hash of nothing.
  const known = latest(origin) ?? { size: 0, root: emptyTreeHash(hash) };
  if (request.oldSize !== known.size) {
    return {
      ...refuse(409, `the last checkpoint cosigned for ${origin} is of size ${known.size}`),
      latestSize: known.size,
    };
  }
  if (head.size === known.size && !bytesEqual(head.root, known.root)) {
    return {
      ...refuse(409, `a checkpoint of size ${head.size} with another root was cosigned: a split view`),
      latestSize: known.size,
      evidence: true,
    };
  }
  // From size 0 the proof must be empty (and is no evidence of anything: every tree extends the empty one).
  if (!verifyConsistency(hash, known.size, head.size, known.root, head.root, [...request.proof])) {
    const reason = `the checkpoint of size ${head.size} is not proven to extend the one of size ${known.size}`;
    return { ...refuse(422, reason), ...(known.size > 0 ? { evidence: true } : {}) };
  }
  return { kind: 'cosign', origin, head: { size: head.size, root: head.root }, text: note.text };
}

function refuse(status: WitnessRefusal['status'], reason: string): WitnessRefusal {
  return { kind: 'refuse', status, reason };
}
