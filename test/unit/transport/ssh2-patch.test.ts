import { assertSsh2Patched } from '../../../src/transport/sftp/ssh2-patch';
import { randomFrom } from '../../support/seeded-random';

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
