import { createHash, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { CheckpointSigner } from '../../domain/ports/checkpoint-signer.port';
import { SignatureVerifier } from '../../domain/ports/signature-verifier.port';

const ED25519_SIGNATURE_LENGTH = 64;

/** As a Certificate Transparency log ID: lowercase hex SHA-256 of the DER SubjectPublicKeyInfo. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function isEd25519(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ed25519';
}

/** Pure Ed25519 (RFC 8032): the message itself is signed, no pre-hash. */
export class Ed25519Signer implements CheckpointSigner {
  readonly keyId: string;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.type !== 'private' || !isEd25519(privateKey)) {
      throw new TypeError('Ed25519Signer: expected an Ed25519 private key');
    }
    this.keyId = keyIdOf(createPublicKey(privateKey));
  }

  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, message, this.privateKey));
  }
}

/** A public key as the 32 raw bytes a verifier key (c2sp.org/signed-note) carries. */
export function publicKeyFromRaw(raw: Uint8Array): Ed25519Verifier {
  const x = Buffer.from(raw).toString('base64url');
  return new Ed25519Verifier(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }));
}

export class Ed25519Verifier implements SignatureVerifier {
  readonly keyId: string;
  readonly publicKeyText: string;
  readonly rawPublicKey: Uint8Array;

  constructor(private readonly publicKey: KeyObject) {
    if (publicKey.type !== 'public' || !isEd25519(publicKey)) {
      throw new TypeError('Ed25519Verifier: expected an Ed25519 public key');
    }
    this.keyId = keyIdOf(publicKey);
    this.publicKeyText = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.rawPublicKey = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
  }

  verify(message: Uint8Array, signature: Uint8Array): boolean {
    if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
    try {
      return verify(null, message, this.publicKey, signature);
    } catch {
      return false;
    }
  }
}
