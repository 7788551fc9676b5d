import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashFilePrefix, readFileChunks, readWholeFile } from '../../../src/cli/local-files';
import { ReadBufferRing } from '../../../src/transport/read-buffer-ring';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-local-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('readWholeFile', () => {
  it('reads every byte of a file of the expected size, an empty one included', () => {
    const path = join(dir, 'f');
    const bytes = Buffer.from('x'.repeat(100_000));
    writeFileSync(path, bytes);
    expect(readWholeFile(path, bytes.length).equals(bytes)).toBe(true);
    writeFileSync(path, '');
    expect(readWholeFile(path, 0)).toHaveLength(0);
  });

  it.each([
    ['grew', 11],
    ['shrank', 9],
  ])('refuses a file that %s since it was looked at', (_how, actual) => {
    const path = join(dir, 'f');
    writeFileSync(path, Buffer.alloc(actual));
    expect(() => readWholeFile(path, 10)).toThrow(/changed while it was read: it no longer has 10 bytes/);
  });

  it('says what is wrong with a file that is not there', () => {
    expect(() => readWholeFile(join(dir, 'missing'), 1)).toThrow(/ENOENT/);
  });
});

describe('readFileChunks', () => {
  it('reads a file from an offset into the buffers it is lent, each given back used again', async () => {
    const path = join(dir, 'f');
    const bytes = randomBytes(1024 * 1024 + 77);
    writeFileSync(path, bytes);
    for (const start of [0, 1, 300_000, bytes.length]) {
      const ring = new ReadBufferRing(1);
      const copies: Buffer[] = [];
      const memory = new Set<ArrayBufferLike>();
      for await (const chunk of readFileChunks(path, start, ring)) {
        copies.push(Buffer.from(chunk));
        memory.add(chunk.buffer);
        ring.give(chunk);
      }
      expect(Buffer.concat(copies).equals(bytes.subarray(start))).toBe(true);
      expect(memory.size).toBeLessThanOrEqual(1);
    }
  });

  it('fails for a file that is not there', async () => {
    const chunks = readFileChunks(join(dir, 'missing'), 0, new ReadBufferRing(1));
    await expect(chunks[Symbol.asyncIterator]().next()).rejects.toThrow(/ENOENT/);
  });
});

describe('hashFilePrefix', () => {
  it('hashes the first bytes of a file, past a chunk boundary, none, or the whole file', async () => {
    const path = join(dir, 'f');
    const bytes = randomBytes(600_000);
    writeFileSync(path, bytes);
    for (const length of [0, 1, 262_144, 262_145, bytes.length]) {
      const hash = createHash('sha256');
      await hashFilePrefix(path, length, hash);
      const expected = createHash('sha256').update(bytes.subarray(0, length)).digest('hex');
      expect({ length, sha256: hash.digest('hex') }).toEqual({ length, sha256: expected });
    }
  });

  it('fails for a file that is not there', async () => {
    await expect(hashFilePrefix(join(dir, 'missing'), 10, createHash('sha256'))).rejects.toThrow(/ENOENT/);
  });
});
