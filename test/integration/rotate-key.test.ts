import { copyFileSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { NEXT_KEY_FILE, PUBLIC_KEY_FILE, SIGNING_KEY_FILE } from '../../src/infra/crypto/signing-key-files';
import { readEvents } from '../support/audit-db';
import { removeDir, startTestServer, tempDir } from '../support/test-server';

const origin = { actor: 'local:test', session: 'rotate-test', remote: 'local' };

describe('ROTATE-KEY on a running server', () => {
  let dataDir: string;
  let keep: string;
  beforeEach(() => {
    dataDir = tempDir();
    keep = tempDir('ferry-rotate-keep-');
  });
  afterEach(() => {
    removeDir(dataDir);
    removeDir(keep);
  });

  it('refuses while the key files are not the key the log signs with, and leaves the next key alone', async () => {
    const server = await startTestServer({ dataDir });
    try {
      for (const file of [SIGNING_KEY_FILE, PUBLIC_KEY_FILE])
        copyFileSync(join(dataDir, file), join(keep, file));
      const rotated = await server.app.handlers.rotateKey.execute(origin);
      expect(rotated.ok).toBe(true);
      // As if putting the new key in place had not happened: the old files back, the new key beside them.
      renameSync(join(dataDir, SIGNING_KEY_FILE), join(dataDir, NEXT_KEY_FILE));
      for (const file of [SIGNING_KEY_FILE, PUBLIC_KEY_FILE])
        copyFileSync(join(keep, file), join(dataDir, file));
      const inForce = readFileSync(join(dataDir, NEXT_KEY_FILE));

      const again = await server.app.handlers.rotateKey.execute(origin);
      expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      expect(!again.ok && again.error.message).toMatch(/a key change is not finished/);
      expect(readFileSync(join(dataDir, NEXT_KEY_FILE))).toEqual(inForce);
      await server.app.ledger.drain();
      expect(readEvents(dataDir).filter((event) => event.type === 'SigningKeyRotated')).toHaveLength(1);
      expect(readEvents(dataDir).at(-1)).toMatchObject({
        type: 'CommandRejected',
        payload: { command: 'ROTATE-KEY', code: 'CONFLICT' },
      });
    } finally {
      await server.stop();
    }
  });
});
