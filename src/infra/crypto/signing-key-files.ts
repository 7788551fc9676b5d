import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { AuditResult, failed, passed } from '../../domain/audit/audit-failure';
import { SignatureVerifier } from '../../domain/ports/signature-verifier.port';
import { Ed25519Signer, Ed25519Verifier, isEd25519, keyIdOf } from './ed25519-keys';

/** PKCS#8 PEM, mode 0600: whoever can read it can sign checkpoints in the server's name. */
export const SIGNING_KEY_FILE = 'audit-signing-key.pem';
/** SubjectPublicKeyInfo PEM: hand it to anyone who should be able to check the log. */
export const PUBLIC_KEY_FILE = 'audit-signing-key.pub.pem';

/**
 * The data folder's checkpoint key, created on first start. Synchronous, as it runs once while the
 * server is wired together, before anything is served.
 */
export function loadOrCreateSigningKey(dataDir: string): Ed25519Signer {
  const privatePath = join(dataDir, SIGNING_KEY_FILE);
  if (!existsSync(privatePath)) createPrivateKeyFile(privatePath);
  const privateKey = createPrivateKey(readFileSync(privatePath));
  if (!isEd25519(privateKey)) throw new Error(`${privatePath} is not an Ed25519 private key`);
  ensurePublicKeyFile(join(dataDir, PUBLIC_KEY_FILE), createPublicKey(privateKey));
  return new Ed25519Signer(privateKey);
}

/**
 * Written whole to a temporary file, made durable, then hard-linked into place: a crash leaves either no
 * key or a complete one, and of two servers starting at once on one folder, both end up with the same key.
 */
function createPrivateKeyFile(path: string): void {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const temporary = `${path}.${randomUUID()}.tmp`;
  const handle = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(handle, pem);
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  syncDirectory(dirname(path));
}

function syncDirectory(path: string): void {
  const handle = openSync(path, 'r');
  try {
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
}

function ensurePublicKeyFile(path: string, publicKey: KeyObject): void {
  if (!existsSync(path)) {
    writeFileSync(path, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
    return;
  }
  if (keyIdOf(createPublicKey(readFileSync(path))) !== keyIdOf(publicKey)) {
    throw new Error(`${path} is not the public half of ${SIGNING_KEY_FILE}`);
  }
}

/** A public key from a PEM file (a private key file works too: its public half is taken). */
export function readPublicKeyFile(path: string): AuditResult<SignatureVerifier> {
  try {
    return passed(new Ed25519Verifier(createPublicKey(readFileSync(path))));
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : error instanceof Error
          ? error.message
          : String(error);
    return failed('UNREADABLE', `cannot read an Ed25519 public key from ${path}: ${why}`);
  }
}

/** The data folder's public key, or undefined if the server never created one there. */
export function readDataFolderPublicKey(dataDir: string): AuditResult<SignatureVerifier | undefined> {
  const path = join(dataDir, PUBLIC_KEY_FILE);
  return existsSync(path) ? readPublicKeyFile(path) : passed(undefined);
}
