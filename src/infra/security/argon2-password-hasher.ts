import { hash, verify } from '@node-rs/argon2';
import { PasswordHasher } from '../../domain/ports/password-hasher.port';

/** argon2id cost settings; the defaults are the library's (19 MiB, 2 passes, OWASP's minimum). */
export interface Argon2Cost {
  readonly memoryCost?: number;
  readonly timeCost?: number;
}

/**
 * Hashes at once, at most: argon2 runs on libuv's small thread pool, which file reads and writes share, so
 * a flood of logins must queue here rather than stall every transfer.
 */
const MAX_CONCURRENT_HASHES = 2;

/** argon2id with a random salt per hash, in PHC string format; verify reads the cost from the hash. */
export class Argon2PasswordHasher implements PasswordHasher {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly cost: Argon2Cost = {}) {}

  hash(password: string): Promise<string> {
    return this.limited(() => hash(password, { ...this.cost }));
  }

  async verify(phc: string, password: string): Promise<boolean> {
    try {
      return await this.limited(() => verify(phc, password));
    } catch {
      // A damaged hash proves nothing; it must not let anyone in, nor say why.
      return false;
    }
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < MAX_CONCURRENT_HASHES) this.running++;
    // A finishing hash hands its slot straight to the next in line.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
