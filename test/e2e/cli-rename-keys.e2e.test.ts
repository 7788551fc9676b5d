import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import { binaryServerFixture, runFerry } from '../support/ferry-binary';
import { ED25519 } from '../support/public-keys';
import { removeDir, tempDir } from '../support/test-server';

describe('the ferry binary: mv, and user key on a data folder', () => {
  const fixture = binaryServerFixture(tempDir, removeDir);
  const ferry = fixture.ferry;

  it('mv renames a live file in one event; a live target needs --if-version', async () => {
    writeFileSync(join(fixture.work, 'a.txt'), 'alpha');
    writeFileSync(join(fixture.work, 'b.txt'), 'beta');
    expect((await ferry('put', 'a.txt', 'draft.txt')).code).toBe(0);
    expect((await ferry('put', 'b.txt', 'final.txt')).code).toBe(0);
    const moved = await ferry('mv', 'draft.txt', 'docs/draft.txt');
    expect(moved).toMatchObject({
      code: 0,
      stdout: 'draft.txt -> docs/draft.txt version 1 (was draft.txt version 1)\n',
    });
    const conflict = await ferry('mv', 'docs/draft.txt', 'final.txt');
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('CONFLICT');
    const replaced = JSON.parse(
      (await ferry('mv', 'docs/draft.txt', 'final.txt', '--if-version', '1', '--json')).stdout,
    );
    expect(replaced).toMatchObject({ name: 'final.txt', version: 2, from: 'docs/draft.txt', fromVersion: 1 });
    expect((await ferry('mv', 'missing.txt', 'x')).code).toBe(1);
    expect((await ferry('mv', 'only-one')).code).toBe(2);
    const history = (await ferry('history', 'draft.txt')).stdout;
    expect(history).toMatch(/renamed-to\s+v1\s+by anonymous\s+to docs\/draft\.txt/);
  });

  it('user key add, list and remove work on a data folder', async () => {
    const data = tempDir();
    const work = tempDir('ferry-cli-');
    try {
      writeFileSync(join(work, 'id.pub'), `${ED25519.line}\n`);
      const local = (...args: string[]) =>
        runFerry([...args, '--data', data], { cwd: work, input: 'a long password\n' });
      expect((await local('user', 'add', 'alice', '--role', 'write', '--password-stdin')).code).toBe(0);
      expect(await local('user', 'key', 'add', 'alice', 'id.pub')).toMatchObject({
        code: 0,
        stdout: `added key ${ED25519.fingerprint} to alice\n`,
      });
      expect((await local('user', 'key', 'add', 'alice', 'id.pub')).code).toBe(1);
      expect((await local('user', 'key', 'add', 'alice', 'missing.pub')).code).toBe(2);
      const listed = await local('user', 'key', 'list', 'alice', '--json');
      expect(JSON.parse(listed.stdout)).toEqual({ fingerprint: ED25519.fingerprint, key: ED25519.line });
      expect((await local('user', 'key', 'remove', 'alice', ED25519.fingerprint)).code).toBe(0);
      expect((await local('user', 'key', 'list', 'alice')).stdout).toBe('(no keys)\n');
      const types = readEvents(data).map((e) => e.type);
      expect(types.filter((t) => t === 'UserKeyAdded' || t === 'UserKeyRemoved')).toEqual([
        'UserKeyAdded',
        'UserKeyRemoved',
      ]);
    } finally {
      removeDir(data);
      removeDir(work);
    }
  });
});
