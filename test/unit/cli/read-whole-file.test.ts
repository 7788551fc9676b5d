import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWholeFile } from '../../../src/cli/local-files';

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
