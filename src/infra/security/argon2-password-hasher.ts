import { hash, verify } from '@node-rs/argon2';
import { PasswordHasher } from '../../domain/ports/password-hasher.port';

/** argon2id cost settings; the defaults are the library's (19 MiB, 2 passes, OWASP's minimum). */
export interface Argon2Cost {
  readonly memoryCost?: number;
  readonly timeCost?: number;
}

/** argon2id with a random salt per hash, in PHC string format; verify reads the cost from the hash. */
export class Argon2PasswordHasher implements PasswordHasher {
  constructor(private readonly cost: Argon2Cost = {}) {}

  hash(password: string): Promise<string> {
    return hash(password, { ...this.cost });
  }

  async verify(phc: string, password: string): Promise<boolean> {
    try {
      return await verify(phc, password);
    } catch {
      // A damaged hash proves nothing; it must not let anyone in, nor say why.
      return false;
    }
  }
}
