import { Result } from '../errors';

/** The key types an account may hold: what SSH servers still accept for logins. */
export const PUBLIC_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
] as const;

export type PublicKeyType = (typeof PUBLIC_KEY_TYPES)[number];

/** A public key as an account holds it. Not a secret: it goes into the log whole. */
export interface PublicKey {
  readonly type: PublicKeyType;
  /** `SHA256:` and the base64 (no padding) of the SHA-256 of the key blob, as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
  /** The OpenSSH one-line form, `<type> <base64 blob> [comment]`, normalised to single spaces. */
  readonly line: string;
}

/** Parsing and fingerprinting of SSH public keys (an adapter hides the SSH library and the hashing). */
export interface PublicKeys {
  /** One OpenSSH public key line; refused with BAD_REQUEST if unparseable or of a type not allowed. */
  parse(line: string): Result<PublicKey>;
  /** The fingerprint of a key blob (the SSH wire form of a public key), as a transport received it. */
  fingerprint(blob: Uint8Array): string;
}
