import {
  COSIGNATURE_V1_ALGORITHM,
  ED25519_ALGORITHM,
  parseVerifierKey,
  verifierKey,
} from '../../domain/audit/signed-note';
import { SignatureVerifier } from '../../domain/ports/signature-verifier.port';
import { publicKeyFromRaw } from './ed25519-keys';
import { sha256 } from './sha256';

/** A signed-note verifier key (`<name>+<key id>+<base64 key>`) read: the name and a key to check with. */
export interface NamedKey {
  readonly name: string;
  readonly key: SignatureVerifier;
}

/** A log's verifier key, as `ferry audit key --note` prints it; undefined if the text is not one. */
export function readLogVerifierKey(text: string): NamedKey | undefined {
  return read(text, ED25519_ALGORITHM);
}

/** A witness's verifier key, as `ferry witness key` prints it; undefined if the text is not one. */
export function readWitnessVerifierKey(text: string): NamedKey | undefined {
  return read(text, COSIGNATURE_V1_ALGORITHM);
}

export function witnessVerifierKey(name: string, key: SignatureVerifier): string {
  return verifierKey(sha256, name, key.rawPublicKey, COSIGNATURE_V1_ALGORITHM);
}

function read(text: string, algorithm: number): NamedKey | undefined {
  const parsed = parseVerifierKey(sha256, text, algorithm);
  return parsed && { name: parsed.keyName, key: publicKeyFromRaw(parsed.publicKey) };
}
