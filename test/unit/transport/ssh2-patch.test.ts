import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client, Server, SFTPWrapper } from 'ssh2';
import { ephemeralHostKey } from '../../../src/infra/crypto/ssh-host-key';
import { LIMITS_EXTENSION, limitsReply } from '../../../src/transport/sftp/sftp-limits';
import { assertSsh2Patched } from '../../../src/transport/sftp/ssh2-patch';
import { randomFrom } from '../../support/seeded-random';
import { removeDir, tempDir } from '../../support/test-server';

/** ssh2 as `npm install` leaves it: with the patch in patches/ applied (its code is read here). */

interface BufferListLike {
  readonly length: number;
  slice(start: number, end: number): BufferListLike;
  copyTo(target: Buffer, offset: number): void;
}
/* eslint-disable @typescript-eslint/no-require-imports */
const { BufferList } = require('ssh2/lib/protocol/utils.js') as {
  BufferList: new (buffers: Buffer[]) => BufferListLike;
};
const { SFTP } = require('ssh2/lib/protocol/SFTP.js') as { SFTP: { prototype: Record<string, unknown> } };
/* eslint-enable @typescript-eslint/no-require-imports */

function bytesOf(list: BufferListLike): Buffer {
  const out = Buffer.alloc(list.length + 2, 0xee);
  list.copyTo(out, 1);
  expect(out[0]).toBe(0xee);
  expect(out[out.length - 1]).toBe(0xee);
  return out.subarray(1, -1);
}

describe("ssh2's patch", () => {
  test('is applied, and a copy of ssh2 without it is refused at start with the remedy', () => {
    expect(() => assertSsh2Patched()).not.toThrow();
    const method = SFTP.prototype.extendedReply;
    try {
      delete SFTP.prototype.extendedReply;
      expect(() => assertSsh2Patched()).toThrow(/lacks the patch .*`npx patch-package`/);
    } finally {
      SFTP.prototype.extendedReply = method;
    }
  });

  test('a BufferList slices into views of its buffers, byte for byte as one buffer would', () => {
    const random = randomFrom(7);
    for (let round = 0; round < 200; round++) {
      const parts = Array.from({ length: 1 + random(4) }, () =>
        Buffer.from(Array.from({ length: random(40) }, () => random(256))),
      );
      const whole = Buffer.concat(parts);
      const list = new BufferList(parts);
      expect(list.length).toBe(whole.length);
      expect(bytesOf(list).equals(whole)).toBe(true);
      const start = random(whole.length + 1);
      const end = start + random(whole.length - start + 1);
      const slice = list.slice(start, end);
      expect(slice.length).toBe(end - start);
      expect(bytesOf(slice).equals(whole.subarray(start, end))).toBe(true);
      // A slice of a slice: what the SFTP channel does when its window splits a reply twice.
      const inner = random(slice.length + 1);
      expect(bytesOf(slice.slice(inner, slice.length)).equals(whole.subarray(start + inner, end))).toBe(true);
    }
  });
});

describe("ssh2's patched server, driven by ssh2's client over loopback", () => {
  const SIZE = 6 * 1024 * 1024;
  const bytes = randomBytes(SIZE);

  /** A server whose one file is `bytes`; READs answered with `data(id, [views])`; counts its events. */
  async function serve(): Promise<{ port: number; counts: Record<string, number>; close: () => void }> {
    const counts: Record<string, number> = { limits: 0, window: 0, drain: 0, queued: 0 };
    const server = new Server({ hostKeys: [ephemeralHostKey().privateKey] }, (client) => {
      client.on('authentication', (context) => context.accept());
      client.on('session', (accept) =>
        accept().on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          // Told 255 KiB reads, ssh2's client keeps more in flight than its 2 MiB window.
          sftp.advertiseExtensions({ [LIMITS_EXTENSION]: '1' });
          sftp.on('EXTENDED', (id, name: string) => {
            counts.limits += name === LIMITS_EXTENSION ? 1 : 0;
            sftp.extendedReply(id, limitsReply(64));
          });
          sftp.on('window', () => (counts.window += 1));
          sftp.on('drain', () => (counts.drain += 1));
          sftp.on('OPEN', (id) => sftp.handle(id, Buffer.from('h')));
          sftp.on('FSTAT', (id) =>
            sftp.attrs(id, { size: SIZE, mode: 0o100644, uid: 0, gid: 0, atime: 0, mtime: 0 }),
          );
          sftp.on('READ', (id, _handle, offset: number, length: number) => {
            if (offset >= SIZE) return sftp.status(id, 1);
            const end = Math.min(offset + length, SIZE);
            // Two views, so that the window may cut a reply at any point of either.
            const middle = offset + Math.floor((end - offset) / 3);
            if (!sftp.data(id, [bytes.subarray(offset, middle), bytes.subarray(middle, end)]))
              counts.queued += 1;
          });
          sftp.on('CLOSE', (id) => sftp.status(id, 0));
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return { port, counts, close: () => server.close() };
  }

  test('a 6 MiB download arrives whole; WINDOW_ADJUSTs are announced, and replies held for the window drain', async () => {
    const { port, counts, close } = await serve();
    const dir = tempDir('ferry-ssh2-patch-');
    const client = new Client();
    try {
      await new Promise<void>((resolve, reject) =>
        client.on('ready', resolve).on('error', reject).connect({ host: '127.0.0.1', port, username: 'u' }),
      );
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
        client.sftp((error, channel) => (error ? reject(error) : resolve(channel))),
      );
      const local = join(dir, 'got.bin');
      // 64 reads of 255 KiB in flight: more than the 2 MiB window, so some replies wait for it.
      await new Promise<void>((resolve, reject) =>
        sftp.fastGet('/file', local, { concurrency: 64, chunkSize: 255 * 1024 }, (error) =>
          error ? reject(error) : resolve(),
        ),
      );
      expect(readFileSync(local).equals(bytes)).toBe(true);
      expect(counts.limits).toBe(1);
      expect(counts.window).toBeGreaterThan(0);
      expect(counts.queued).toBeGreaterThan(0);
      expect(counts.drain).toBeGreaterThan(0);
    } finally {
      client.end();
      close();
      removeDir(dir);
    }
  });
});
