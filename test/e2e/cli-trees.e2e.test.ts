import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import { binaryServerFixture } from '../support/ferry-binary';
import { cmpFile, filesUnder, TREE_FILES, writeTree } from '../support/file-tree';
import { removeDir, tempDir } from '../support/test-server';

describe('ferry put of a folder and get --prefix, against a real server process', () => {
  const fixture = binaryServerFixture(tempDir, removeDir);
  const ferry = fixture.ferry;

  it('round-trips a nested tree byte for byte, names with spaces and UTF-8 included', async () => {
    const source = join(fixture.work, 'project');
    writeTree(source);
    const put = await ferry('put', 'project');
    expect(put).toMatchObject({ code: 0, stderr: '' });
    expect(put.stdout).toMatch(/^put 4 files, /);
    const listed = (await ferry('ls', 'project/', '--json')).stdout.trim().split('\n');
    expect(listed.map((line) => JSON.parse(line).name).sort()).toEqual(
      [...TREE_FILES.keys()].map((path) => `project/${path}`).sort(),
    );

    const mirror = join(fixture.work, 'mirror');
    const get = await ferry('get', '--prefix', 'project', '--to', mirror, '--json');
    expect(get).toMatchObject({ code: 0, stderr: '' });
    const lines = get.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(TREE_FILES.size);
    expect(lines.every((line) => line.version === 1 && typeof line.sha256 === 'string')).toBe(true);
    expect(filesUnder(mirror)).toEqual([...TREE_FILES.keys()].sort());
    for (const path of TREE_FILES.keys())
      expect(cmpFile(path, source, mirror)).toEqual({ code: 0, said: '' });
  });

  it("puts under a prefix of one's choosing; a second put of the tree is version 2 of each file", async () => {
    const source = join(fixture.work, 'again');
    writeTree(source);
    expect((await ferry('put', 'again', 'backups/2026')).code).toBe(0);
    expect((await ferry('put', 'again', 'backups/2026/')).code).toBe(0);
    const listed = (await ferry('ls', 'backups/2026/', '--json')).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(listed.map((file) => [file.name, file.version])).toEqual(
      [...TREE_FILES.keys()].sort().map((path) => [`backups/2026/${path}`, 2]),
    );
  });

  it('reports every file that failed, goes on with the rest, and exits non-zero', async () => {
    const source = join(fixture.work, 'mixed');
    mkdirSync(join(source, 'sub'), { recursive: true });
    writeFileSync(join(source, 'a.txt'), 'a');
    writeFileSync(join(source, 'sub', 'unreadable.txt'), 'secret');
    chmodSync(join(source, 'sub', 'unreadable.txt'), 0o000);
    writeFileSync(join(source, 'sub', 'z.txt'), 'z');
    symlinkSync('a.txt', join(source, 'link'));
    writeFileSync(join(source, 'bad\u0001name.txt'), 'control character');
    const put = await ferry('put', 'mixed');
    expect(put.code).toBe(1);
    // root reads a file whatever its mode.
    const root = process.getuid?.() === 0;
    expect(put.stdout).toMatch(root ? /^put 3 files, / : /^put 2 files, /);
    const failures = put.stderr.trim().split('\n');
    expect(failures[0]).toBe(`ferry: ${root ? 2 : 3} failed:`);
    expect(put.stderr).toContain('mixed/link: a symbolic link: not sent (LOCAL)');
    expect(put.stderr).toMatch(/mixed\/bad\\u0001name\.txt|BAD_NAME/);
    if (!root) expect(put.stderr).toMatch(/mixed\/sub\/unreadable\.txt: .*EACCES/);
    const names = (await ferry('ls', 'mixed/', '--json')).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).name);
    expect(names.sort()).toEqual(
      root
        ? ['mixed/a.txt', 'mixed/sub/unreadable.txt', 'mixed/sub/z.txt']
        : ['mixed/a.txt', 'mixed/sub/z.txt'],
    );
    chmodSync(join(source, 'sub', 'unreadable.txt'), 0o600);
  });

  it('get --prefix reports a file it cannot write, and exits non-zero', async () => {
    const source = join(fixture.work, 'clash');
    mkdirSync(source);
    writeFileSync(join(source, 'x'), 'a file named x');
    expect((await ferry('put', 'clash', 'clash')).code).toBe(0);
    writeFileSync(join(source, 'x'), 'again');
    mkdirSync(join(fixture.work, 'other'));
    writeFileSync(join(fixture.work, 'other', 'y'), 'y');
    expect((await ferry('put', 'other', 'clash/x')).code).toBe(0);
    // clash/x is a file and clash/x/ a folder on the server: locally, one of them cannot be.
    const get = await ferry('get', '--prefix', 'clash/', '--to', join(fixture.work, 'clash-copy'));
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/^ferry: 1 failed:\n {2}clash\/x(\/y)?: /);
    const downloads = readEvents(fixture.dataDir).filter((event) => event.type === 'FileDownloaded');
    expect(downloads.length).toBeGreaterThan(0);
  });

  it('get --prefix of a small file whose place is taken by a folder: reported, no partial left', async () => {
    const source = join(fixture.work, 'taken');
    mkdirSync(source);
    writeFileSync(join(source, 'x'), 'a small file named x');
    expect((await ferry('put', 'taken', 'taken')).code).toBe(0);
    const copy = join(fixture.work, 'taken-copy');
    mkdirSync(join(copy, 'x'), { recursive: true });
    writeFileSync(join(copy, 'x', 'kept'), 'what was there');
    const get = await ferry('get', '--prefix', 'taken/', '--to', copy);
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/^ferry: 1 failed:\n {2}taken\/x: /);
    expect(filesUnder(copy)).toEqual([join('x', 'kept')]);
  });

  it('refuses --prefix with a name, get with neither, and --if-version with a folder', async () => {
    expect((await ferry('get', 'a', '--prefix', 'p/')).code).toBe(2);
    expect((await ferry('get')).code).toBe(2);
    mkdirSync(join(fixture.work, 'guarded'));
    const guarded = await ferry('put', 'guarded', '--if-version', '0');
    expect(guarded.code).toBe(2);
    expect(guarded.stderr).toMatch(/^ferry: --if-version is about one file: not with a folder\n/);
  });
});
