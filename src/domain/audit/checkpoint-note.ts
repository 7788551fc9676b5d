import { AuditResult, failed, passed } from './audit-failure';
import { checkpointNoteText, SignedCheckpoint } from './checkpoint';
import { fromBase64, HashFn } from './hash';
import { formatSignedNote, isKeyName, noteKeyId, parseSignedNote, signaturesBy } from './signed-note';
import { SignatureVerifier } from '../ports/signature-verifier.port';

const TREE_HASH_LENGTH = 32;

/**
 * A named log's checkpoint as the C2SP signed note any transparency tool reads: the tlog-checkpoint text
 * (origin, size, base64 root), a blank line, and the log's signature under the key name `origin`.
 */
export function checkpointNote(hash: HashFn, checkpoint: SignedCheckpoint, publicKey: Uint8Array): string {
  if (checkpoint.origin === undefined) throw new Error('a checkpoint of the first format is not a note');
  const { origin } = checkpoint;
  return formatSignedNote({
    text: checkpointNoteText(origin, checkpoint),
    signatures: [
      { keyName: origin, keyId: noteKeyId(hash, origin, publicKey), signature: checkpoint.signature },
    ],
  });
}

/**
 * A checkpoint note handed over (a kept copy, a witness's), as a checkpoint whose signature is the one
 * `trustedKey` made under the note's own origin; whether that signature holds is for
 * `checkCheckpointSignature` to say. Other signatures (witnesses' cosignatures) are left aside.
 */
export function parseCheckpointNote(
  hash: HashFn,
  note: string,
  trustedKey: SignatureVerifier,
  what = 'checkpoint',
): AuditResult<SignedCheckpoint> {
  const parsed = parseSignedNote(note);
  if (!parsed) return failed('SIGNATURE_INVALID', `${what} is not a signed note`);
  const head = parseCheckpointText(parsed.text);
  if (head === undefined) {
    return failed('SIGNATURE_INVALID', `${what} is not a checkpoint (origin, tree size, base64 root)`);
  }
  const { origin } = head;
  const [signature] = signaturesBy(hash, parsed, origin, trustedKey.rawPublicKey);
  if (signature === undefined) {
    return failed('SIGNATURE_INVALID', `${what} of ${origin} has no signature by the trusted key`);
  }
  return passed({ ...head, at: '', keyId: trustedKey.keyId, signature });
}

/** A note's text as a tlog-checkpoint (no extension lines: Ferry writes none), or undefined. */
export function parseCheckpointText(
  text: string,
): { origin: string; size: number; root: Uint8Array } | undefined {
  const [origin, sizeText, rootText, ...rest] = text.split('\n');
  const root = fromBase64(rootText ?? '');
  const wellFormed =
    isKeyName(origin) &&
    /^(?:0|[1-9]\d{0,15})$/.test(sizeText ?? '') &&
    Number.isSafeInteger(Number(sizeText)) &&
    root?.length === TREE_HASH_LENGTH &&
    rest.join('') === '' &&
    rest.length === 1;
  return wellFormed ? { origin, size: Number(sizeText), root } : undefined;
}
