import { createHash } from 'node:crypto';
import { utils } from 'ssh2';
import { fail, ok, Result } from '../../domain/errors';
import { PUBLIC_KEY_TYPES, PublicKey, PublicKeys, PublicKeyType } from '../../domain/ports/public-keys.port';

/** A public key line is short; anything longer than a 16384-bit RSA key with a comment is not one. */
const MAX_LINE = 16 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** OpenSSH public keys through ssh2's parser, which checks the blob is a well-formed key of its type. */
export class OpenSshPublicKeys implements PublicKeys {
  parse(raw: string): Result<PublicKey> {
    const text = raw.trim();
    if (text.length === 0 || text.length > MAX_LINE || /[\r\n\0]/.test(text)) {
      return fail('BAD_REQUEST', 'a public key is one line: <type> <base64> [comment]');
    }
    const [type, base64, ...comment] = text.split(/[ \t]+/);
    if (!isAllowedType(type)) {
      return fail('BAD_REQUEST', `key type not allowed (${PUBLIC_KEY_TYPES.join(', ')})`);
    }
    if (base64 === undefined || !BASE64.test(base64)) return fail('BAD_REQUEST', 'the key is not base64');
    const blob = Buffer.from(base64, 'base64');
    const parsed = utils.parseKey(`${type} ${base64}`);
    if (parsed instanceof Error || Array.isArray(parsed) || parsed.type !== type) {
      return fail('BAD_REQUEST', 'the key does not parse as an OpenSSH public key of its type');
    }
    // The blob must be exactly the key ssh2 read, so that its fingerprint is the one a client presents.
    if (!parsed.getPublicSSH().equals(blob)) return fail('BAD_REQUEST', 'the key blob has trailing bytes');
    const line = [type, blob.toString('base64'), ...(comment.length > 0 ? [comment.join(' ')] : [])].join(
      ' ',
    );
    return ok({ type, fingerprint: this.fingerprint(blob), line });
  }

  fingerprint(blob: Uint8Array): string {
    return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  }
}

function isAllowedType(type: string | undefined): type is PublicKeyType {
  return (PUBLIC_KEY_TYPES as readonly string[]).includes(type ?? '');
}
