import { OpenSshPublicKeys } from '../../src/infra/crypto/openssh-public-keys';
import { codeOf, valueOf } from '../support/results';
import { blobOf, ECDSA, ED25519, RSA } from '../support/public-keys';

const keys = new OpenSshPublicKeys();

describe('OpenSshPublicKeys', () => {
  it.each([
    ['ed25519', ED25519, 'ssh-ed25519'],
    ['rsa', RSA, 'ssh-rsa'],
    ['ecdsa', ECDSA, 'ecdsa-sha2-nistp256'],
  ])('parses an %s key and fingerprints it as ssh-keygen -l does', (_label, fixture, type) => {
    const parsed = valueOf(keys.parse(fixture.line));
    expect(parsed).toEqual({ type, fingerprint: fixture.fingerprint, line: fixture.line });
    expect(keys.fingerprint(blobOf(fixture.line))).toBe(fixture.fingerprint);
  });

  it('normalises spacing around the parts and keeps a comment with spaces', () => {
    const [type, base64] = ED25519.line.split(' ');
    const parsed = valueOf(keys.parse(`  ${type}\t${base64}   my   key \n`));
    expect(parsed.line).toBe(`${type} ${base64} my key`);
    expect(parsed.fingerprint).toBe(ED25519.fingerprint);
  });

  it.each([
    ['empty', ''],
    [
      'a DSA key',
      'ssh-dss AAAAB3NzaC1kc3MAAACBAP1/U4EddRIpUt9KnC7s5Of2EbdSPO9EAMMeP4C2USZpRV1AIlH7WT2NWPq/xfW6MPbLm1Vs14E7 x',
    ],
    ['an unknown type', 'ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIGC3Kb'],
    ['no blob', 'ssh-ed25519'],
    ['a blob that is not base64', 'ssh-ed25519 ***'],
    ['a truncated blob', `ssh-ed25519 ${ED25519.line.split(' ')[1].slice(0, 40)}`],
    ['a blob of another type than declared', `ssh-ed25519 ${RSA.line.split(' ')[1]}`],
    ['two lines', `${ED25519.line}\n${RSA.line}`],
    ['a private key', '-----BEGIN OPENSSH PRIVATE KEY-----'],
  ])('refuses %s with BAD_REQUEST', (_label, line) => {
    expect(codeOf(keys.parse(line))).toBe('BAD_REQUEST');
  });

  it('refuses a blob with bytes after the key', () => {
    const blob = Buffer.concat([blobOf(ED25519.line), Buffer.from([0, 0, 0, 1, 65])]);
    expect(codeOf(keys.parse(`ssh-ed25519 ${blob.toString('base64')}`))).toBe('BAD_REQUEST');
  });
});
