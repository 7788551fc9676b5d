import { concatBytes, fromBase64, HashFn, toBase64, toHex } from './hash';

/**
 * C2SP signed-note (https://c2sp.org/signed-note), for Ed25519 keys: a text, a blank line, then one line
 * per signature, `— <key name> <base64(key id || signature)>`. The key id is the first four bytes of
 * SHA-256(key name || "\n" || 0x01 || public key), 0x01 naming Ed25519. A verifier key is written
 * `<key name>+<key id in hex>+<base64(0x01 || public key)>`.
 */
export const ED25519_ALGORITHM = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
const ED25519_PUBLIC_KEY_LENGTH = 32;
const ED25519_SIGNATURE_LENGTH = 64;
const KEY_ID_LENGTH = 4;

export interface NoteSignature {
  readonly keyName: string;
  readonly keyId: Uint8Array;
  readonly signature: Uint8Array;
}

export interface SignedNote {
  /** The signed text: every line, each ending in a newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** A key name: not empty, no white space, no `+` (the verifier key's separator). */
export function isKeyName(name: string): boolean {
  return /^[^\s+\u2014]+$/u.test(name);
}

export function noteKeyId(hash: HashFn, keyName: string, publicKey: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(`${keyName}\n`);
  return hash(concatBytes(header, Uint8Array.of(ED25519_ALGORITHM), publicKey)).slice(0, KEY_ID_LENGTH);
}

export function verifierKey(hash: HashFn, keyName: string, publicKey: Uint8Array): string {
  const keyId = toHex(noteKeyId(hash, keyName, publicKey));
  return `${keyName}+${keyId}+${toBase64(concatBytes(Uint8Array.of(ED25519_ALGORITHM), publicKey))}`;
}

/** A verifier key's name and Ed25519 public key, or undefined if it is not one (or its id is wrong). */
export function parseVerifierKey(
  hash: HashFn,
  text: string,
): { keyName: string; publicKey: Uint8Array } | undefined {
  const parts = text.trim().split('+');
  if (parts.length !== 3) return undefined;
  const [keyName, keyIdHex, encoded] = parts;
  const key = fromBase64(encoded);
  if (!isKeyName(keyName) || key === undefined || key.length !== ED25519_PUBLIC_KEY_LENGTH + 1)
    return undefined;
  if (key[0] !== ED25519_ALGORITHM) return undefined;
  const publicKey = key.slice(1);
  if (toHex(noteKeyId(hash, keyName, publicKey)) !== keyIdHex) return undefined;
  return { keyName, publicKey };
}

export function formatSignedNote(note: SignedNote): string {
  const lines = note.signatures.map(
    ({ keyName, keyId, signature }) =>
      `${SIGNATURE_PREFIX}${keyName} ${toBase64(concatBytes(keyId, signature))}\n`,
  );
  return `${note.text}\n${lines.join('')}`;
}

/** The text and signatures of a signed note, or undefined if it is not one. */
export function parseSignedNote(note: string): SignedNote | undefined {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return undefined;
  const text = note.slice(0, split + 1);
  const signatures: NoteSignature[] = [];
  for (const line of note.slice(split + 2, -1).split('\n')) {
    if (!line.startsWith(SIGNATURE_PREFIX)) return undefined;
    const [keyName, encoded, ...rest] = line.slice(SIGNATURE_PREFIX.length).split(' ');
    const bytes = encoded === undefined ? undefined : fromBase64(encoded);
    if (rest.length > 0 || !isKeyName(keyName) || bytes === undefined || bytes.length <= KEY_ID_LENGTH)
      return undefined;
    signatures.push({ keyName, keyId: bytes.slice(0, KEY_ID_LENGTH), signature: bytes.slice(KEY_ID_LENGTH) });
  }
  return signatures.length > 0 && !text.includes('\n\n') ? { text, signatures } : undefined;
}

/** Signatures of `keyName` whose key id is that of `publicKey` and that are Ed25519-sized. */
export function signaturesBy(
  hash: HashFn,
  note: SignedNote,
  keyName: string,
  publicKey: Uint8Array,
): Uint8Array[] {
  const keyId = toHex(noteKeyId(hash, keyName, publicKey));
  return note.signatures
    .filter((each) => each.keyName === keyName && toHex(each.keyId) === keyId)
    .map((each) => each.signature)
    .filter((signature) => signature.length === ED25519_SIGNATURE_LENGTH);
}
