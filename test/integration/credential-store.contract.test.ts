import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialStore } from '../../src/domain/ports/credential-store.port';
import { MemoryCredentialStore } from '../../src/infra/security/memory-credential-store';
import { SqliteCredentialStore } from '../../src/infra/security/sqlite-credential-store';
import { removeDir, tempDir } from '../support/test-server';

describe.each([
  ['memory', () => ({ store: new MemoryCredentialStore() as CredentialStore, dir: undefined })],
  [
    'sqlite',
    () => {
      const dir = tempDir();
      return { store: new SqliteCredentialStore(join(dir, 'credentials.db')) as CredentialStore, dir };
    },
  ],
])('%s credential store', (_kind, open) => {
  let store: CredentialStore;
  let dir: string | undefined;
  beforeEach(() => ({ store, dir } = open()));
  afterEach(async () => {
    await store.close();
    if (dir) removeDir(dir);
  });

  it('files a hash under its user and event, and finds nothing else', async () => {
    await store.save('alice', 'event-1', 'hash-1');
    await store.save('alice', 'event-2', 'hash-2');
    expect(await store.find('alice', 'event-1')).toBe('hash-1');
    expect(await store.find('alice', 'event-2')).toBe('hash-2');
    expect(await store.find('bob', 'event-1')).toBeUndefined();
    expect(await store.find('alice', 'event-3')).toBeUndefined();
  });

  it('replaces a hash saved again under the same event', async () => {
    await store.save('alice', 'event-1', 'old');
    await store.save('alice', 'event-1', 'new');
    expect(await store.find('alice', 'event-1')).toBe('new');
  });
});

describe('the credentials file', () => {
  it('is readable and writable by its owner alone, and keeps its hashes across a reopen', async () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'credentials.db');
      const first = new SqliteCredentialStore(file);
      await first.save('alice', 'e', 'h');
      await first.close();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const again = new SqliteCredentialStore(file);
      expect(await again.find('alice', 'e')).toBe('h');
      await again.close();
    } finally {
      removeDir(dir);
    }
  });
});
