/** The server's signing key. Only the composition root knows which algorithm and where the key lives. */
export interface CheckpointSigner {
  /** Names the key in every checkpoint, so a verifier can tell which public key to check it with. */
  readonly keyId: string;
  sign(message: Uint8Array): Uint8Array;
}
