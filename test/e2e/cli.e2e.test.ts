import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import { binaryServerFixture, runFerry, startServerProcess } from '../support/ferry-binary';
import { randomFile } from '../support/streams';
import { removeDir, tempDir } from '../support/test-server';

describe('the ferry binary against a real server process', () => {
  const fixture = binaryServerFixture(tempDir, removeDir);
  const ferry = fixture.ferry;

  it('prints one clear line with the address and port it bound', () => {
    expect(fixture.server.banner).toMatch(/^Ferry listening on 127\.0\.0\.1:\d+ with disk storage in /);
    expect(fixture.server.server).not.toMatch(/:0$/);
  });

  it('puts, lists, gets and removes files of any size and name', async () => {
    const big = randomFile(3 * 1024 * 1024 + 1);
    writeFileSync(join(fixture.work, 'big.bin'), big);
    writeFileSync(join(fixture.work, 'empty'), Buffer.alloc(0));
    writeFileSync(join(fixture.work, 'one'), Buffer.from('x'));

    expect((await ferry('put', 'big.bin')).code).toBe(0);
    expect((await ferry('put', 'empty', 'dir/empty file')).code).toBe(0);
    const put = await ferry('put', 'one', 'ünïcödé name.txt');
    expect(put).toMatchObject({ code: 0, stdout: expect.stringContaining('version 1') });

    const listed = await ferry('ls', '--json');
    expect(listed.code).toBe(0);
    const files = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; size: number });
    expect(files.map((file) => [file.name, file.size])).toEqual([
      ['big.bin', big.length],
      ['dir/empty file', 0],
      ['ünïcödé name.txt', 1],
    ]);
    expect((await ferry('ls', 'dir/')).stdout).toContain('dir/empty file');

    expect((await ferry('get', 'big.bin', 'copy.bin')).code).toBe(0);
    expect(readFileSync(join(fixture.work, 'copy.bin')).equals(big)).toBe(true);
    expect((await ferry('get', 'dir/empty file')).code).toBe(0);
    expect(readFileSync(join(fixture.work, 'empty file')).length).toBe(0);
    const toStdout = await ferry('get', 'ünïcödé name.txt', '-');
    expect(toStdout).toMatchObject({ code: 0, stdout: 'x' });

    expect((await ferry('rm', 'big.bin')).code).toBe(0);
    expect((await ferry('ls')).stdout).not.toContain('big.bin');
  });

  it('fails with a one-line error and a non-zero exit, leaving no partial file', async () => {
    const missing = await ferry('get', 'report.pdf');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toBe('ferry: not found: report.pdf\n');
    expect(existsSync(join(fixture.work, 'report.pdf'))).toBe(false);
    expect(readdirSync(fixture.work).filter((name) => name.endsWith('.part'))).toEqual([]);

    const rm = await ferry('rm', 'report.pdf');
    expect(rm.code).not.toBe(0);
    expect(rm.stderr).toBe('ferry: not found: report.pdf\n');

    const badName = await ferry('put', 'one', '../escape');
    expect(badName.code).not.toBe(0);
    expect(badName.stderr).toMatch(/BAD_NAME/);

    const noServer = await runFerry(['ls', '--server', '127.0.0.1:1']);
    expect(noServer.code).toBe(3);
    expect(noServer.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reads FERRY_SERVER when --server is not given', async () => {
    const listed = await runFerry(['ls'], {
      env: { FERRY_SERVER: fixture.server.server },
      cwd: fixture.work,
    });
    expect(listed.code).toBe(0);
  });

  it('drives the six commands through the shell', async () => {
    writeFileSync(join(fixture.work, 'shell in.txt'), 'from the shell');
    const script = [
      'HELP',
      'UPLOAD "shell in.txt" shell/file.txt',
      'LIST shell/',
      'DOWNLOAD shell/file.txt "shell out.txt"',
      'DELETE shell/file.txt',
      'LIST shell/',
      'LOGOUT',
    ].join('\n');
    const result = await runFerry(['shell', '--server', fixture.server.server], {
      input: script,
      cwd: fixture.work,
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('uploaded shell/file.txt version 1');
    expect(result.stdout).toContain('deleted shell/file.txt');
    expect(result.stdout).toContain('(no files)');
    expect(readFileSync(join(fixture.work, 'shell out.txt'), 'utf8')).toBe('from the shell');
  });

  it('exits non-zero from the shell when a command failed', async () => {
    const result = await runFerry(['shell', '--server', fixture.server.server], {
      input: 'DELETE nothing-here\nLOGOUT\n',
      cwd: fixture.work,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toBe('ferry: not found: nothing-here\n');
  });
});

describe('ferry serve', () => {
  it('takes its settings from FERRY_* variables, flags winning, and exits 0 on SIGTERM and SIGINT', async () => {
    const fromEnv = tempDir();
    const fromFlag = tempDir();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const server = await startServerProcess(['--data', fromFlag], {
        FERRY_DATA: fromEnv,
        FERRY_LOG_LEVEL: 'error',
        FERRY_HOST: '127.0.0.1',
      });
      expect((await runFerry(['ls', '--server', server.server])).code).toBe(0);
      expect(await server.stop(signal)).toBe(0);
    }
    expect(existsSync(join(fromFlag, 'audit.db'))).toBe(true);
    expect(existsSync(join(fromEnv, 'audit.db'))).toBe(false);
    const types = readEvents(fromFlag).map((event) => event.type);
    expect(types).toEqual([
      'LogNamed',
      'SessionOpened',
      'FilesListed',
      'SessionClosed',
      'SessionOpened',
      'FilesListed',
      'SessionClosed',
    ]);
    removeDir(fromEnv);
    removeDir(fromFlag);
  });

  it('reads settings from a --config file below the environment and the flags', async () => {
    const fromFile = tempDir();
    const fromEnv = tempDir();
    const scratch = tempDir('ferry-config-');
    const configFile = join(scratch, 'ferry.json');
    writeFileSync(configFile, JSON.stringify({ data: fromFile, logLevel: 'error', idleTimeout: 30 }));
    const fileOnly = await startServerProcess(['--config', configFile]);
    expect(await fileOnly.stop()).toBe(0);
    expect(existsSync(join(fromFile, 'audit.db'))).toBe(true);

    const envWins = await startServerProcess(['--config', configFile], { FERRY_DATA: fromEnv });
    expect(await envWins.stop()).toBe(0);
    expect(existsSync(join(fromEnv, 'audit.db'))).toBe(true);

    writeFileSync(configFile, JSON.stringify({ colour: 'blue' }));
    const unknown = await runFerry(['serve', '--config', configFile]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown setting "colour"/);
    writeFileSync(configFile, JSON.stringify({ port: 'eighty' }));
    expect((await runFerry(['serve', '--config', configFile])).stderr).toMatch(/port/);
    for (const dir of [fromFile, fromEnv, scratch]) removeDir(dir);
  });

  it('--no-fsync says so at start, and serves as usual', async () => {
    const data = tempDir();
    const work = tempDir('ferry-cli-');
    const server = await startServerProcess(['--data', data, '--no-fsync', '--log-level', 'error']);
    try {
      expect(server.output()).toContain(
        'ferry: --no-fsync: uploads are answered before their bytes reach the disk',
      );
      writeFileSync(join(work, 'nofsync.txt'), 'quick');
      expect((await runFerry(['put', 'nofsync.txt', '--server', server.server], { cwd: work })).code).toBe(0);
      const got = await runFerry(['get', 'nofsync.txt', '-', '--server', server.server]);
      expect(got).toMatchObject({ code: 0, stdout: 'quick' });
    } finally {
      expect(await server.stop()).toBe(0);
      removeDir(data);
      removeDir(work);
    }
  });

  it('refuses a bad port with a usage error', async () => {
    const result = await runFerry(['serve', '--port', 'eighty']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/port/);
  });
});
