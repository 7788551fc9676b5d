import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ed25519Signer, Ed25519Verifier, isEd25519 } from './ed25519-keys';
import { createPrivateKeyFile } from './signing-key-files';

/** In the witness's key folder, mode 0600: whoever reads it can cosign in the witness's name. */
export const WITNESS_KEY_FILE = 'witness-key.pem';

export interface WitnessKeyPair {
  readonly signer: Ed25519Signer;
  readonly verifier: Ed25519Verifier;
}

/** The witness's Ed25519 key, made at first use; the same key ever after. */
export function loadOrCreateWitnessKey(keyDir: string): WitnessKeyPair {
  const path = join(keyDir, WITNESS_KEY_FILE);
  if (!existsSync(path)) createPrivateKeyFile(path);
  const privateKey = createPrivateKey(readFileSync(path));
  if (!isEd25519(privateKey)) throw new Error(`${path} is not an Ed25519 private key`);
  return {
    signer: new Ed25519Signer(privateKey),
    verifier: new Ed25519Verifier(createPublicKey(privateKey)),
  };
}

/** The public half of the key folder's key, read only; undefined if there is none yet. */
export function readWitnessPublicKey(keyDir: string): Ed25519Verifier | undefined {
  const path = join(keyDir, WITNESS_KEY_FILE);
  return existsSync(path)
    ? new Ed25519Verifier(createPublicKey(createPrivateKey(readFileSync(path))))
    : undefined;
}
