import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { getFile } from '../../../src/cli/get-file';
import { FerryClient, StoredFile } from '../../../src/transport/client/ferry-client';
import { removeDir, tempDir } from '../../support/test-server';

/** A client whose DOWNLOAD writes `sent` into the sink as the real one's reader does, failing as it fails. */
function clientSending(sent: Buffer): FerryClient {
  return {
    async download(name: string, sink: Writable): Promise<StoredFile> {
      if (!sink.write(sent)) await once(sink, 'drain');
      return { name, version: 1, size: sent.length, sha256: 'x' };
    },
  } as unknown as FerryClient;
}

let dir: string;
beforeEach(() => (dir = tempDir('ferry-get-file-')));
afterEach(() => removeDir(dir));

describe('ferry get of a small file, gathered in memory', () => {
  test('is written under its name once it has come', async () => {
    const target = join(dir, 'small.txt');
    await getFile(clientSending(Buffer.from('0123456789')), {
      name: 'small.txt',
      target,
      version: 1,
      size: 10,
    });
    expect(readdirSync(dir)).toEqual(['small.txt']);
  });

  test('more bytes than the listing said is refused, and nothing is left behind', async () => {
    const target = join(dir, 'small.txt');
    const request = { name: 'small.txt', target, version: 1, size: 10 };
    await expect(getFile(clientSending(Buffer.alloc(20)), request)).rejects.toThrow(
      'small.txt: more bytes than its 10',
    );
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
