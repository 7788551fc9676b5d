import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditResult, failed, passed } from '../../domain/audit/audit-failure';
import { SigningKeySource } from '../../domain/ports/checkpoint-signer.port';
import { SigningKeyRotation } from '../../domain/ports/signing-key-rotation.port';
import { SignatureVerifier } from '../../domain/ports/signature-verifier.port';
import { Ed25519Signer, Ed25519Verifier, isEd25519, keyIdOf } from './ed25519-keys';
import { createPrivateFileOnce, syncDirectory, writeDurably } from './private-key-file';

/** PKCS#8 PEM, mode 0600: whoever can read it can sign checkpoints in the server's name. */
export const SIGNING_KEY_FILE = 'audit-signing-key.pem';
/** SubjectPublicKeyInfo PEM: hand it to anyone who should be able to check the log. */
export const PUBLIC_KEY_FILE = 'audit-signing-key.pub.pem';
/** A rotation's new key, until the log has recorded the change and it takes the current key's place. */
export const NEXT_KEY_FILE = 'audit-signing-key.next.pem';

/**
 * The data folder's checkpoint key, as the event log asks for it: the one in the folder, or a first one
 * made there. Synchronous, as it runs once while the server is wired together, before anything is served.
 */
export function dataFolderSigningKey(dataDir: string): SigningKeySource {
  const privatePath = join(dataDir, SIGNING_KEY_FILE);
  return {
    location: privatePath,
    existing: () => (existsSync(privatePath) ? loadSigningKey(dataDir) : undefined),
    create: () => {
      createPrivateKeyFile(privatePath);
      return loadSigningKey(dataDir);
    },
    pending: () => {
      const next = join(dataDir, NEXT_KEY_FILE);
      return existsSync(next) ? new Ed25519Signer(createPrivateKey(readFileSync(next))) : undefined;
    },
    promote: () => {
      promoteNextSigningKey(dataDir);
      return loadSigningKey(dataDir);
    },
  };
}

/** A rotation of the data folder's key, step by step (see SigningKeyRotation). */
export function dataFolderKeyRotation(dataDir: string): SigningKeyRotation {
  return {
    current: () => {
      const key = readDataFolderPublicKey(dataDir);
      if (!key.ok) throw new Error(key.failure.message);
      return key.value;
    },
    prepareNext: () => prepareNextSigningKey(dataDir),
    promoteNext: () => promoteNextSigningKey(dataDir),
  };
}

/**
 * The first step of a rotation: a new key, made durable beside the current one, which stays in force
 * until the log has recorded the change (see `promoteNextSigningKey`). A left-over one is replaced.
 */
export function prepareNextSigningKey(dataDir: string): SignatureVerifier {
  const next = join(dataDir, NEXT_KEY_FILE);
  rmSync(next, { force: true });
  createPrivateKeyFile(next);
  return new Ed25519Verifier(createPublicKey(createPrivateKey(readFileSync(next))));
}

/** The last step of a rotation: the new key replaces the current one, its public half the public file. */
function promoteNextSigningKey(dataDir: string): void {
  const next = join(dataDir, NEXT_KEY_FILE);
  const publicKey = createPublicKey(createPrivateKey(readFileSync(next)));
  const publicPath = join(dataDir, PUBLIC_KEY_FILE);
  const publicPem = Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }));
  writeDurably(`${publicPath}.next`, publicPem, 'w', 0o644);
  renameSync(next, join(dataDir, SIGNING_KEY_FILE));
  // A crash here leaves the new private key beside the old public file: loading finishes this rename.
  renameSync(`${publicPath}.next`, publicPath);
  syncDirectory(dataDir);
}

function loadSigningKey(dataDir: string): Ed25519Signer {
  const privatePath = join(dataDir, SIGNING_KEY_FILE);
  const privateKey = createPrivateKey(readFileSync(privatePath));
  if (!isEd25519(privateKey)) throw new Error(`${privatePath} is not an Ed25519 private key`);
  ensurePublicKeyFile(join(dataDir, PUBLIC_KEY_FILE), createPublicKey(privateKey));
  return new Ed25519Signer(privateKey);
}

/** A new Ed25519 private key, PKCS#8 PEM, mode 0600, unless one is there already. */
export function createPrivateKeyFile(path: string): void {
  const { privateKey } = generateKeyPairSync('ed25519');
  createPrivateFileOnce(path, Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' })));
}

function ensurePublicKeyFile(path: string, publicKey: KeyObject): void {
  const promoted = `${path}.next`;
  // A rotation cut between putting the new private key in place and its public half; or cut while that
  // half was being written (a crash, a full disk), which leaves it unreadable, and it is made again below.
  if (existsSync(promoted)) {
    if (publicKeyIdIn(promoted) === keyIdOf(publicKey)) renameSync(promoted, path);
    else rmSync(promoted, { force: true });
  }
  if (!existsSync(path)) {
    writeFileSync(path, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
    return;
  }
  if (keyIdOf(createPublicKey(readFileSync(path))) !== keyIdOf(publicKey)) {
    throw new Error(`${path} is not the public half of ${SIGNING_KEY_FILE}`);
  }
}

/** The id of the public key in a PEM file, or undefined if the file holds none (empty, cut short). */
function publicKeyIdIn(path: string): string | undefined {
  try {
    return keyIdOf(createPublicKey(readFileSync(path)));
  } catch {
    return undefined;
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

/** A public key from PEM text (one a key change in the log names); undefined if it is not an Ed25519 key. */
export function publicKeyFromPem(pem: string): SignatureVerifier | undefined {
  try {
    return new Ed25519Verifier(createPublicKey(pem));
  } catch {
    return undefined;
  }
}

/** The data folder's public key, or undefined if the server never created one there. */
export function readDataFolderPublicKey(dataDir: string): AuditResult<SignatureVerifier | undefined> {
  const path = join(dataDir, PUBLIC_KEY_FILE);
  return existsSync(path) ? readPublicKeyFile(path) : passed(undefined);
}
