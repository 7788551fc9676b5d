import { concatBytes, HashFn, toHex } from './hash';
import { COSIGNATURE_V1_ALGORITHM, NoteSignature, noteKeyId } from './signed-note';
import { CheckpointSigner } from '../ports/checkpoint-signer.port';
import { SignatureVerifier } from '../ports/signature-verifier.port';

/**
 * C2SP tlog-cosignature/v1 with Ed25519: a witness's statement that, at `time`, the checkpoint is the
 * largest consistent one it has seen of that log. The signature is over "cosignature/v1\n", "time <unix
 * seconds>\n" and the checkpoint note's text; the note signature carries the time before it, as eight
 * big-endian bytes.
 */
const TIMESTAMP_LENGTH = 8;
const ED25519_SIGNATURE_LENGTH = 64;

/** A witness as a log or a verifier knows it: its name and its public key. */
export interface Witness {
  readonly name: string;
  readonly key: SignatureVerifier;
}

export interface Cosignature {
  readonly witness: string;
  /** POSIX seconds at which the witness signed. */
  readonly time: number;
}

export function cosignedMessage(time: number, noteText: string): Uint8Array {
  return new TextEncoder().encode(`cosignature/v1\ntime ${time}\n${noteText}`);
}

/** The witness's signature line on a note's text, made at `time` (whole seconds). */
export function cosign(
  hash: HashFn,
  name: string,
  signer: CheckpointSigner,
  publicKey: Uint8Array,
  noteText: string,
  time: number,
): NoteSignature {
  const stamp = new Uint8Array(TIMESTAMP_LENGTH);
  new DataView(stamp.buffer).setBigUint64(0, BigInt(time));
  const signature = signer.sign(cosignedMessage(time, noteText));
  return {
    keyName: name,
    keyId: noteKeyId(hash, name, publicKey, COSIGNATURE_V1_ALGORITHM),
    signature: concatBytes(stamp, signature),
  };
}

/** The cosignature `signature` is, if it is `witness`'s, well formed, and valid over `noteText`. */
export function checkCosignature(
  hash: HashFn,
  witness: Witness,
  noteText: string,
  signature: NoteSignature,
): Cosignature | undefined {
  const keyId = noteKeyId(hash, witness.name, witness.key.rawPublicKey, COSIGNATURE_V1_ALGORITHM);
  if (signature.keyName !== witness.name || toHex(signature.keyId) !== toHex(keyId)) return undefined;
  if (signature.signature.length !== TIMESTAMP_LENGTH + ED25519_SIGNATURE_LENGTH) return undefined;
  const stamp = new DataView(signature.signature.buffer, signature.signature.byteOffset, TIMESTAMP_LENGTH);
  const time = stamp.getBigUint64(0);
  // Above 2^63 - 1 is invalid by the spec; above 2^53 no real clock reads either.
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const message = cosignedMessage(Number(time), noteText);
  return witness.key.verify(message, signature.signature.slice(TIMESTAMP_LENGTH))
    ? { witness: witness.name, time: Number(time) }
    : undefined;
}

/**
 * The witnesses among `witnesses` with a valid cosignature on `noteText` in `signatures`, each key once
 * (a witness named twice must not count twice towards a threshold).
 */
export function cosignedBy(
  hash: HashFn,
  witnesses: readonly Witness[],
  noteText: string,
  signatures: readonly NoteSignature[],
): Cosignature[] {
  const found: Cosignature[] = [];
  const counted = new Set<string>();
  for (const witness of witnesses) {
    if (counted.has(witness.key.keyId)) continue;
    for (const signature of signatures) {
      const valid = checkCosignature(hash, witness, noteText, signature);
      if (valid !== undefined) {
        found.push(valid);
        counted.add(witness.key.keyId);
        break;
      }
    }
  }
  return found;
}
