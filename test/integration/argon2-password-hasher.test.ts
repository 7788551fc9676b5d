import { Argon2PasswordHasher } from '../../src/infra/security/argon2-password-hasher';

/** How many argon2 calls run at once, at most, as the hasher's queue lets them through. */
const inFlight = { now: 0, most: 0 };

jest.mock('@node-rs/argon2', () => {
  const real = jest.requireActual<typeof import('@node-rs/argon2')>('@node-rs/argon2');
  const counted =
    <A extends unknown[], R>(work: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      inFlight.now++;
      inFlight.most = Math.max(inFlight.most, inFlight.now);
      try {
        return await work(...args);
      } finally {
        inFlight.now--;
      }
    };
  return { ...real, hash: counted(real.hash), verify: counted(real.verify) };
});

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

  it('runs many hashes at once, two at a time, without failing any', async () => {
    inFlight.most = 0;
    const hashes = await Promise.all(Array.from({ length: 12 }, (_, i) => hasher.hash(`p${i}`)));
    const checks = await Promise.all(hashes.map((phc, i) => hasher.verify(phc, `p${i}`)));
    expect(checks.every(Boolean)).toBe(true);
    expect(inFlight.most).toBe(2);
  });
});
