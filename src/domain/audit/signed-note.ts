import { concatBytes, fromBase64, HashFn, toBase64, toHex } from './hash';

/**
 * C2SP signed-note (https://c2sp.org/signed-note), for Ed25519 keys: a text, a blank line, then one line
 * per signature, `— <key name> <base64(key id || signature)>`. The key id is the first four bytes of
 * SHA-256(key name || "\n" || 0x01 || public key), 0x01 naming Ed25519. A verifier key is written
 * `<key name>+<key id in hex>+<base64(0x01 || public key)>`.
 */
export const ED25519_ALGORITHM = 0x01;
/** A witness's Ed25519 cosignature key (c2sp.org/tlog-cosignature): same key bytes, another id and meaning. */
export const COSIGNATURE_V1_ALGORITHM = 0x04;
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

export function noteKeyId(
  hash: HashFn,
  keyName: string,
  publicKey: Uint8Array,
  algorithm = ED25519_ALGORITHM,
): Uint8Array {
  const header = new TextEncoder().encode(`${keyName}\n`);
  return hash(concatBytes(header, Uint8Array.of(algorithm), publicKey)).slice(0, KEY_ID_LENGTH);
}

export function verifierKey(
  hash: HashFn,
  keyName: string,
  publicKey: Uint8Array,
  algorithm = ED25519_ALGORITHM,
): string {
  const keyId = toHex(noteKeyId(hash, keyName, publicKey, algorithm));
  return `${keyName}+${keyId}+${toBase64(concatBytes(Uint8Array.of(algorithm), publicKey))}`;
}

/**
 * A verifier key's name and Ed25519 public key, or undefined if it is not one of `algorithm` (a log's
 * key, or a witness's cosignature key) or its id is wrong.
 */
export function parseVerifierKey(
  hash: HashFn,
  text: string,
  algorithm = ED25519_ALGORITHM,
): { keyName: string; publicKey: Uint8Array } | undefined {
  // The name has no '+' and the id is hex; the base64 key may hold any number of them.
  const [keyName, keyIdHex, ...keyParts] = text.trim().split('+');
  if (keyIdHex === undefined || keyParts.length === 0) return undefined;
  const encoded = keyParts.join('+');
  const key = fromBase64(encoded);
  if (!isKeyName(keyName) || key === undefined || key.length !== ED25519_PUBLIC_KEY_LENGTH + 1)
    return undefined;
  if (key[0] !== algorithm) return undefined;
  const publicKey = key.slice(1);
  if (toHex(noteKeyId(hash, keyName, publicKey, algorithm)) !== keyIdHex) return undefined;
  return { keyName, publicKey };
}

export function formatSignedNote(note: SignedNote): string {
  return `${note.text}\n${note.signatures.map(signatureLine).join('')}`;
}

/** One signature line of a note, newline included. */
export function signatureLine({ keyName, keyId, signature }: NoteSignature): string {
  return `${SIGNATURE_PREFIX}${keyName} ${toBase64(concatBytes(keyId, signature))}\n`;
}

/** Signature lines alone (a witness's answer), or undefined if any line is not one. */
export function parseSignatureLines(lines: string): NoteSignature[] | undefined {
  if (!lines.endsWith('\n')) return undefined;
  const signatures: NoteSignature[] = [];
  for (const line of lines.slice(0, -1).split('\n')) {
    const signature = parseSignatureLine(line);
    if (signature === undefined) return undefined;
    signatures.push(signature);
  }
  return signatures;
}

/** The text and signatures of a signed note, or undefined if it is not one. */
export function parseSignedNote(note: string): SignedNote | undefined {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return undefined;
  const text = note.slice(0, split + 1);
  const signatures = parseSignatureLines(note.slice(split + 2));
  return signatures !== undefined && signatures.length > 0 && !text.includes('\n\n')
    ? { text, signatures }
    : undefined;
}

function parseSignatureLine(line: string): NoteSignature | undefined {
  if (!line.startsWith(SIGNATURE_PREFIX)) return undefined;
  const [keyName, encoded, ...rest] = line.slice(SIGNATURE_PREFIX.length).split(' ');
  const bytes = encoded === undefined ? undefined : fromBase64(encoded);
  if (rest.length > 0 || !isKeyName(keyName) || bytes === undefined || bytes.length <= KEY_ID_LENGTH)
    return undefined;
  return { keyName, keyId: bytes.slice(0, KEY_ID_LENGTH), signature: bytes.slice(KEY_ID_LENGTH) };
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
