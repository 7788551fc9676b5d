import { Application } from '../../src/app/composition-root';
import { Role } from '../../src/domain/events';
import { Clock } from '../../src/domain/ports/clock.port';
import { FerryClient } from '../../src/transport/client/ferry-client';
import { TestServer } from './test-server';

/** Who runs account commands on a data folder: every right, as `ferry user` without --server has. */
export const OPERATOR = { actor: 'local:test', session: 'operator', remote: 'local' };

export const PASSWORD = 'correct horse battery staple';

/** Adds an account through the use case, as `ferry user add` on the data folder does, and waits for it. */
export async function addAccount(
  app: Application,
  user: string,
  role: Role,
  options: { prefix?: string; password?: string } = {},
): Promise<void> {
  const prefix = options.prefix === undefined ? {} : { prefix: options.prefix };
  const result = await app.handlers.accounts.change(
    OPERATOR,
    { action: 'add', user, role, ...prefix },
    options.password ?? PASSWORD,
  );
  if (!result.ok) throw new Error(`cannot add ${user}: ${result.error.message}`);
  await app.ledger.drain();
}

/** A client of `ferry`, logged in as `user`. */
export async function logIn(ferry: TestServer, user: string, password = PASSWORD): Promise<FerryClient> {
  const client = await ferry.connect();
  await client.login(user, password);
  return client;
}

/** A clock a test moves by hand, so bans and their end need no sleeping. */
export class ManualClock implements Clock {
  constructor(private current = new Date('2026-11-29T12:00:00.000Z')) {}

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
