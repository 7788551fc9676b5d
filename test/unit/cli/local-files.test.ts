import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFileChunks, readWholeFile } from '../../../src/cli/local-files';
import { ReadBufferRing } from '../../../src/transport/read-buffer-ring';

describe('readWholeFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-whole-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

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
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-chunks-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

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
