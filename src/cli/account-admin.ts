import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { AccountChange } from '../domain/account-decisions';
import { localActor } from '../domain/authorization';
import { loadApplication } from './lazy-app';
import { DEFAULT_CONFIG } from '../app/config';
import { FerryClient } from '../transport/client/ferry-client';
import { FerryError } from '../transport/client/ferry-error';
import { UserRecord } from '../transport/client/listing';

/** Account management with the same words whether it runs on a data folder or over the wire. */
export interface AccountAdmin {
  /** Applies one change; resolves with the seq of its event. */
  change(change: AccountChange, password?: string): Promise<number>;
  list(): Promise<UserRecord[]>;
  /** Adds a public key (OpenSSH one-line form); resolves with its fingerprint. */
  addKey(user: string, key: string): Promise<string>;
  listKeys(user: string): Promise<AccountKeyRecord[]>;
  close(): Promise<void>;
}

export interface AccountKeyRecord {
  readonly fingerprint: string;
  readonly key: string;
}

/** On a data folder no server holds: acts as `local:<os user>`, who owns the folder anyway. */
export async function openLocalAdmin(dataDir: string): Promise<AccountAdmin> {
  const app = await (
    await loadApplication()
  ).startApplication({ ...DEFAULT_CONFIG, dataDir, logLevel: 'warn' });
  const origin = { actor: localActor(userInfo().username), session: `cli-${randomUUID()}`, remote: 'local' };
  return {
    change: async (change, password) => {
      const result = await app.handlers.accounts.change(origin, change, password);
      await app.ledger.drain();
      if (!result.ok) throw new FerryError(result.error.code, result.error.message);
      return result.value.seq;
    },
    list: async () => {
      const result = app.handlers.accounts.list(origin);
      await app.ledger.drain();
      if (!result.ok) throw new FerryError(result.error.code, result.error.message);
      return result.value.map(({ account, usage }) => ({
        name: account.name,
        role: account.role,
        ...(account.prefix === undefined ? {} : { home: account.prefix }),
        disabled: account.disabled,
        ...(account.quota.bytes === undefined ? {} : { quotaBytes: account.quota.bytes }),
        ...(account.quota.files === undefined ? {} : { quotaFiles: account.quota.files }),
        files: usage.files,
        bytes: usage.bytes,
      }));
    },
    addKey: async (user, key) => {
      const result = await app.handlers.accounts.addKey(origin, user, key);
      await app.ledger.drain();
      if (!result.ok) throw new FerryError(result.error.code, result.error.message);
      return result.value.type === 'UserKeyAdded' ? result.value.payload.fingerprint : '';
    },
    listKeys: async (user) => {
      const result = app.handlers.accounts.keys(origin, user);
      await app.ledger.drain();
      if (!result.ok) throw new FerryError(result.error.code, result.error.message);
      return result.value.map(({ fingerprint, key }) => ({ fingerprint, key }));
    },
    close: () => app.close(),
  };
}

/** Over the wire, as the admin the client logged in as. */
export function remoteAdmin(client: FerryClient): AccountAdmin {
  return {
    change: (change, password) =>
      change.action === 'key-remove'
        ? client.removeUserKey(change.user, change.fingerprint)
        : client.changeUser(change.action, change.user, wireArguments(change), password),
    list: () => client.listUsers(),
    addKey: async (user, key) => (await client.addUserKey(user, key)).fingerprint,
    listKeys: (user) => client.listUserKeys(user),
    close: () => client.logout().catch(() => client.destroy()),
  };
}

function wireArguments(change: AccountChange): Parameters<FerryClient['changeUser']>[2] {
  switch (change.action) {
    case 'add':
      return {
        options: { role: change.role, ...(change.prefix === undefined ? {} : { prefix: change.prefix }) },
      };
    case 'role':
      return { positional: change.role };
    case 'prefix':
      return { positional: change.prefix ?? '-' };
    case 'quota':
      return { options: { ...limitOption('bytes', change.bytes), ...limitOption('files', change.files) } };
    default:
      return {};
  }
}

function limitOption(key: string, limit: number | null | undefined): Record<string, string> {
  return limit === undefined ? {} : { [key]: limit === null ? '-' : String(limit) };
}
