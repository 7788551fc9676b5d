/** The server's signing key. Only the composition root knows which algorithm and where the key lives. */
export interface CheckpointSigner {
  /** Names the key in every checkpoint, so a verifier can tell which public key to check it with. */
  readonly keyId: string;
  sign(message: Uint8Array): Uint8Array;
}

/**
 * Where the signing key comes from. The event log asks for it once it has read its checkpoints: a log
 * whose checkpoints are signed must find the key that signed the newest of them, and only a log without
 * any may have a first key made.
 */
export interface SigningKeySource {
  /** Where the key lives, for a message that says how to put it back. */
  readonly location: string;
  /** The key there, or undefined when there is none. */
  existing(): CheckpointSigner | undefined;
  /** Makes the first key. */
  create(): CheckpointSigner;
  /** The key a rotation made and has not put in place yet (`ferry audit rotate-key` was cut short). */
  pending(): CheckpointSigner | undefined;
  /** Puts the pending key in place of the current one, and returns it. */
  promote(): CheckpointSigner;
}
