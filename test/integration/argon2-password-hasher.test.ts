import { Argon2PasswordHasher } from '../../src/infra/security/argon2-password-hasher';

describe('argon2id password hashing', () => {
  const hasher = new Argon2PasswordHasher({ memoryCost: 1024, timeCost: 1 });

  it('makes salted PHC strings that verify only the right password', async () => {
    const [first, second] = await Promise.all([hasher.hash('pass phrase'), hasher.hash('pass phrase')]);
    expect(first).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(first).not.toBe(second);
    expect(await hasher.verify(first, 'pass phrase')).toBe(true);
    expect(await hasher.verify(first, 'pass phrasE')).toBe(false);
  });

  it('treats a damaged hash as a mismatch, never as a pass or a crash', async () => {
    expect(await hasher.verify('$argon2id$garbage', 'anything')).toBe(false);
    expect(await hasher.verify('', '')).toBe(false);
  });

  it('uses the library defaults (19 MiB, 2 passes) unless told otherwise, and reads the cost from the hash', async () => {
    const real = new Argon2PasswordHasher();
    const phc = await real.hash('x');
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(phc, 'x')).toBe(true);
  });

  it('runs many hashes at once without failing any (they queue two at a time)', async () => {
    const hashes = await Promise.all(Array.from({ length: 12 }, (_, i) => hasher.hash(`p${i}`)));
    const checks = await Promise.all(hashes.map((phc, i) => hasher.verify(phc, `p${i}`)));
    expect(checks.every(Boolean)).toBe(true);
  });
});
