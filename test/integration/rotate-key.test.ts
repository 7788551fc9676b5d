import { copyFileSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import { removeDir, startTestServer, tempDir } from '../support/test-server';

const KEY = 'audit-signing-key.pem';
const PUBLIC_KEY = 'audit-signing-key.pub.pem';
const NEXT_KEY = 'audit-signing-key.next.pem';
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
      for (const file of [KEY, PUBLIC_KEY]) copyFileSync(join(dataDir, file), join(keep, file));
      const rotated = await server.app.handlers.rotateKey.execute(origin);
      expect(rotated.ok).toBe(true);
      // As if putting the new key in place had not happened: the old files back, the new key beside them.
      renameSync(join(dataDir, KEY), join(dataDir, NEXT_KEY));
      for (const file of [KEY, PUBLIC_KEY]) copyFileSync(join(keep, file), join(dataDir, file));
      const inForce = readFileSync(join(dataDir, NEXT_KEY));

      const again = await server.app.handlers.rotateKey.execute(origin);
      expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      expect(!again.ok && again.error.message).toMatch(/a key change is not finished/);
      expect(readFileSync(join(dataDir, NEXT_KEY))).toEqual(inForce);
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
