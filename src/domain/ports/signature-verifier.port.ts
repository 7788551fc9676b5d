/** A public key: all an outsider needs to check a checkpoint, and all the trust they have to place. */
export interface SignatureVerifier {
  readonly keyId: string;
  /** The key as text, to print and hand on (the format is given in docs/AUDIT.md). */
  readonly publicKeyText: string;
  /** The 32 bytes of the Ed25519 public key, as signed notes name and encode it. */
  readonly rawPublicKey: Uint8Array;
  /** False for any signature that is malformed or was not made by this key's private half; never throws. */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}
