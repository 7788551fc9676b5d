import { createHash, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { createPrivateFileOnce } from './private-key-file';

/** In the data folder, mode 0600: whoever reads it can pose as this server to SFTP clients. */
export const HOST_KEY_FILE = 'sftp-host-key';

/** The SSH host key the SFTP transport proves itself with. */
export interface SshHostKey {
  /** The private key in OpenSSH format, as ssh2 takes it (and `ssh-keygen -lf` reads it). */
  readonly privateKey: Buffer;
  /** `SHA256:...`, as OpenSSH prints it when it asks whether to trust the server. */
  readonly fingerprint: string;
}

/** The data folder's host key, created (Ed25519) at first start; the same key at every later start. */
export function loadOrCreateHostKey(dataDir: string): SshHostKey {
  const path = join(dataDir, HOST_KEY_FILE);
  if (!existsSync(path))
    createPrivateFileOnce(path, openSshPrivateKey(generateKeyPairSync('ed25519').privateKey));
  return hostKeyFrom(readFileSync(path), path);
}

/** A key for a server that keeps nothing (memory storage): clients see a new fingerprint at every start. */
export function ephemeralHostKey(): SshHostKey {
  return hostKeyFrom(openSshPrivateKey(generateKeyPairSync('ed25519').privateKey), 'a new host key');
}

function hostKeyFrom(privateKey: Buffer, where: string): SshHostKey {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`${where} is not a usable SSH private key: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  const digest = createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '');
  return { privateKey, fingerprint: `SHA256:${digest}` };
}

/**
 * The "openssh-key-v1" format (OpenSSH's PROTOCOL.key), unencrypted: ssh2 reads Ed25519 keys only in
 * this format, and Node exports them only as PKCS#8, so the few fields are laid out here.
 */
function openSshPrivateKey(privateKey: KeyObject): Buffer {
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const publicKey = Buffer.from(jwk.x ?? '', 'base64url');
  const type = Buffer.from('ssh-ed25519');
  const publicBlob = Buffer.concat([sshString(type), sshString(publicKey)]);
  const check = randomBytes(4);
  let section = Buffer.concat([
    check,
    check,
    sshString(type),
    sshString(publicKey),
    sshString(Buffer.concat([seed, publicKey])),
    sshString(Buffer.from('ferry sftp host key')),
  ]);
  const padding = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([section, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString(Buffer.from('none')),
    sshString(Buffer.from('none')),
    sshString(Buffer.alloc(0)),
    uint32(1),
    sshString(publicBlob),
    sshString(section),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return Buffer.from(
    `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
  );
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

function sshString(bytes: Buffer): Buffer {
  return Buffer.concat([uint32(bytes.length), bytes]);
}
