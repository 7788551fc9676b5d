import { SignatureVerifier } from './signature-verifier.port';

/**
 * Changing the checkpoint key, in the steps that make it safe to cut short: a next key made beside the
 * current one, the change recorded in the log (the log signs with the next key from there), then the next
 * key put in the current one's place. A start after a cut finishes or forgets it (see SigningKeySource).
 */
export interface SigningKeyRotation {
  /** The public half of the key in force; undefined when the log signs nothing (memory storage). */
  current(): SignatureVerifier | undefined;
  /** Makes the next key, durably, replacing one a cut-short rotation left. */
  prepareNext(): SignatureVerifier;
  /** The next key takes the current one's place. */
  promoteNext(): void;
}
