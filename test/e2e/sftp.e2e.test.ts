import { DEFAULT_UPLOAD_LIMITS } from '../../src/app/upload-limits';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { Client, SFTPWrapper, utils } from 'ssh2';
import { DEFAULT_BAN_POLICY } from '../../src/domain/address-bans';
import { FileName } from '../../src/domain/names';
import { ephemeralHostKey } from '../../src/infra/crypto/ssh-host-key';
import { SftpServer } from '../../src/transport/sftp/sftp-server';
import { addAccount, OPERATOR, PASSWORD } from '../support/accounts';
import { EventRow, readEvents } from '../support/audit-db';
import { CuttingProxy } from '../support/cutting-proxy';
import { cmpFile } from '../support/file-tree';
import { runOpenSsh, sftpBatch, startSftpServer } from '../support/sftp-server';
import { removeDir, startTestServer, tempDir, TestServer } from '../support/test-server';

/**
 * The SFTP transport against the real OpenSSH client (sftp -b, scp) and, for requests OpenSSH never
 * sends (writes out of order, reads backwards), ssh2's own client.
 */

let ferry: TestServer;
let sftp: SftpServer;
let port: number;
let local: string;

async function start(
  config: Parameters<typeof startTestServer>[0] = {},
  limits: { idleTimeoutMs?: number; loginTimeoutMs?: number } = {},
): Promise<void> {
  ferry = await startTestServer(config);
  ({ server: sftp, port } = await startSftpServer(ferry, limits));
}

/** Logs in with ssh2's client and opens an SFTP channel; `authenticate: false` never sends a login. */
function connect(
  user = 'alice',
  options: { authenticate?: boolean } = {},
): Promise<{ client: Client; sftp: SFTPWrapper }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () =>
        client.sftp((error, channel) => (error ? reject(error) : resolve({ client, sftp: channel }))),
      )
      .on('error', reject)
      .on('close', () => reject(new Error('closed')))
      .connect({
        host: '127.0.0.1',
        port,
        username: user,
        password: PASSWORD,
        ...(options.authenticate === false ? { authHandler: () => undefined } : {}),
      });
  });
}

const call = <T>(run: (done: (error: Error | null | undefined, value?: T) => void) => void) =>
  new Promise<T>((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))));
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 0,
    (error: { code?: number }) => error.code,
  );

beforeEach(() => {
  local = tempDir('ferry-sftp-local-');
});

afterEach(async () => {
  await sftp.stop(2000);
  await ferry.stop();
  removeDir(ferry.dataDir);
  removeDir(local);
});

/** A file of `size` random bytes in the local folder; its bytes, to compare what comes back with. */
function localRandomFile(name: string, size: number): Buffer {
  const bytes = randomBytes(size);
  writeFileSync(join(local, name), bytes);
  return bytes;
}

/** Puts bytes in the catalogue through the upload use case, as an operator would. */
async function seed(name: string, bytes: Buffer): Promise<void> {
  const transfer = await ferry.app.handlers.upload.begin(OPERATOR, {
    name: name as FileName,
    size: bytes.length,
  });
  await transfer.write(bytes);
  const result = await transfer.finish();
  if (!result.ok) throw new Error(result.error.message);
  await ferry.app.ledger.drain();
}

async function events(): Promise<EventRow[]> {
  await ferry.app.ledger.drain();
  return readEvents(ferry.dataDir);
}

const sessionsOf = (rows: EventRow[]) => rows.filter((row) => row.type === 'SessionOpened');

describe('with a write account', () => {
  beforeEach(async () => {
    await start();
    await addAccount(ferry.app, 'alice', 'write');
  });

  test('put, ls, ls -l, get, rm: the bytes round-trip and every step is in the audit log as alice over sftp', async () => {
    const bytes = localRandomFile('report.bin', 1_000_000);
    const run = await sftpBatch(
      port,
      'alice',
      PASSWORD,
      [
        'put report.bin',
        'put report.bin docs/copy.bin',
        'ls',
        'ls -l',
        'ls -l docs',
        'get docs/copy.bin back.bin',
        'rm report.bin',
        'ls',
      ],
      local,
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(local, 'back.bin')).equals(bytes)).toBe(true);
    const listings = run.stdout.split('sftp> ');
    expect(listings[3]).toMatch(/^ls\ndocs\s+report\.bin\s*$/);
    expect(listings[4]).toMatch(
      /^ls -l\ndrwxr-xr-x .* docs\n-rw-r--r-- +1 alice +ferry +1000000 \w{3} [ \d]\d \d\d:\d\d report\.bin\n$/,
    );
    expect(listings[5]).toMatch(/-rw-r--r-- +1 alice +ferry +1000000 .* copy\.bin\n$/);
    expect(listings[8]).toMatch(/^ls\ndocs\s*$/);

    // The client exits on the exit status; the server records the close as the connection ends.
    await waitFor(async () => (await events()).some((row) => row.type === 'SessionClosed'));
    const rows = await events();
    const session = sessionsOf(rows)[0];
    expect(session.payload).toEqual({ protocol: 3, transport: 'sftp' });
    const mine = rows.filter((row) => row.session === session.session);
    expect(mine.map((row) => row.type)).toEqual(
      expect.arrayContaining([
        'LoginSucceeded',
        'FileUploaded',
        'FilesListed',
        'FileDownloaded',
        'FileDeleted',
        'SessionClosed',
      ]),
    );
    for (const row of mine.slice(2)) expect(row.actor).toBe('alice');
    const uploads = mine.filter((row) => row.type === 'FileUploaded');
    expect(uploads.map((row) => [row.payload.name, row.payload.size])).toEqual([
      ['report.bin', 1_000_000],
      ['docs/copy.bin', 1_000_000],
    ]);
    expect(mine.find((row) => row.type === 'FileDownloaded')?.payload).toMatchObject({
      name: 'docs/copy.bin',
      bytes: 1_000_000,
      complete: true,
    });
    expect(mine.find((row) => row.type === 'FileDeleted')?.payload).toMatchObject({ name: 'report.bin' });
    expect(mine[mine.length - 1]).toMatchObject({ type: 'SessionClosed', payload: { reason: 'disconnect' } });
  });

  test("OpenSSH asks the server's limits and then reads 255 KiB a request (writes 32 KiB); nothing of it is recorded", async () => {
    const bytes = localRandomFile('big.bin', 3_000_000);
    const run = await sftpBatch(
      port,
      'alice',
      PASSWORD,
      ['put big.bin', 'get big.bin back.bin'],
      local,
      30_000,
      ['-vvv'],
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Server supports extension "limits@openssh.com" revision 1');
    expect(run.stderr).toContain('server upload/download buffer sizes 32768 / 261120; using 32768 / 261120');
    expect(readFileSync(join(local, 'back.bin')).equals(bytes)).toBe(true);
    await waitFor(async () => (await events()).some((row) => row.type === 'SessionClosed'));
    const types = (await events()).map((row) => row.type);
    expect(types).not.toContain('CommandRejected');
    expect(types).toEqual(expect.arrayContaining(['FileUploaded', 'FileDownloaded']));
  });

  test('the bytes round-trip whole with each kind of cipher, with compression, and across rekeying', async () => {
    const bytes = localRandomFile('big.bin', 3_000_000);
    const ciphers = [
      ['-c', 'chacha20-poly1305@openssh.com'],
      ['-c', 'aes128-gcm@openssh.com'],
      ['-c', 'aes256-ctr', '-o', 'MACs=hmac-sha2-256-etm@openssh.com'],
      // Compressed packets are built afresh after compression; rekeying holds packets back meanwhile.
      ['-c', 'chacha20-poly1305@openssh.com', '-C'],
      ['-c', 'aes128-gcm@openssh.com', '-o', 'RekeyLimit=1M'],
    ];
    for (const [index, flags] of ciphers.entries()) {
      const back = `back-${index}.bin`;
      const run = await sftpBatch(
        port,
        'alice',
        PASSWORD,
        [`put big.bin copy-${index}.bin`, `get copy-${index}.bin ${back}`],
        local,
        30_000,
        ['-vv', ...flags],
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(`kex: server->client cipher: ${flags[1]}`);
      expect(readFileSync(join(local, back)).equals(bytes)).toBe(true);
    }
  });

  test('reget continues a download cut short, and reput continues the remote copy: bytes compared with cmp', async () => {
    const bytes = localRandomFile('whole.bin', 3_000_000);
    mkdirSync(join(local, 'expected'));
    await seed('remote.bin', bytes);
    // What a get cut at 1,234,567 bytes leaves behind, and a remote copy holding the first 1,000,000 bytes.
    writeFileSync(join(local, 'cut.bin'), bytes.subarray(0, 1_234_567));
    await seed('partial.bin', bytes.subarray(0, 1_000_000));
    const run = await sftpBatch(
      port,
      'alice',
      PASSWORD,
      ['reget remote.bin cut.bin', 'reput whole.bin partial.bin', 'get partial.bin back.bin'],
      local,
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    for (const copy of ['cut.bin', 'back.bin']) {
      writeFileSync(join(local, 'expected', copy), bytes);
      expect(cmpFile(copy, join(local, 'expected'), local)).toEqual({ code: 0, said: '' });
    }
    const rows = (await events()).filter((row) => row.actor === 'alice');
    expect(rows.find((row) => row.type === 'FileDownloaded')?.payload).toMatchObject({
      name: 'remote.bin',
      from: 1_234_567,
      bytes: 3_000_000 - 1_234_567,
      complete: true,
    });
    expect(rows.find((row) => row.type === 'FileUploaded')?.payload).toMatchObject({
      name: 'partial.bin',
      version: 2,
      size: 3_000_000,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      appendedTo: { version: 1, size: 1_000_000 },
    });
  });

  test('reput after the link is cut mid-put continues the held bytes: only the rest crosses the wire', async () => {
    const bytes = localRandomFile('big.bin', 6_000_000);
    const proxy = await CuttingProxy.start({ host: '127.0.0.1', port }, [{ cutUpAfter: 2_500_000 }, {}]);
    try {
      const cut = await sftpBatch(proxy.address.port, 'alice', PASSWORD, ['put big.bin'], local);
      expect(cut.code).not.toBe(0);
      const deadline = Date.now() + 5000;
      let interrupted: EventRow | undefined;
      while (!interrupted && Date.now() < deadline) {
        interrupted = (await events()).find((row) => row.type === 'UploadInterrupted');
        if (!interrupted) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const held = interrupted?.payload.held as number;
      expect(interrupted?.payload).toMatchObject({
        name: 'big.bin',
        upload: 'sftp:big.bin',
        from: 0,
        bytes: held,
      });
      expect(held).toBeGreaterThan(1_000_000);
      expect(held).toBeLessThan(2_500_000);
      const sentBefore = proxy.up;
      const resumed = await sftpBatch(
        proxy.address.port,
        'alice',
        PASSWORD,
        ['reput big.bin', 'get big.bin back.bin'],
        local,
      );
      expect(resumed).toMatchObject({ code: 0, stderr: '' });
      expect(proxy.up - sentBefore).toBeLessThan(bytes.length - held + 200_000);
      expect(readFileSync(join(local, 'back.bin')).equals(bytes)).toBe(true);
      const rows = (await events()).filter((row) => row.actor === 'alice');
      expect(rows.find((row) => row.type === 'FileStatShown')?.payload).toEqual({
        name: 'big.bin',
        version: 0,
        held,
      });
      expect(rows.find((row) => row.type === 'FileUploaded')?.payload).toMatchObject({
        name: 'big.bin',
        version: 1,
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        upload: { id: 'sftp:big.bin', from: held },
      });
      expect(readdirSync(join(ferry.dataDir, 'held'))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  test('a second put of a name is version 2, published once at close', async () => {
    writeFileSync(join(local, 'a.txt'), 'one');
    writeFileSync(join(local, 'b.txt'), 'two');
    const run = await sftpBatch(port, 'alice', PASSWORD, ['put a.txt f.txt', 'put b.txt f.txt'], local);
    expect(run.code).toBe(0);
    const uploads = (await events()).filter((row) => row.type === 'FileUploaded');
    expect(uploads.map((row) => [row.payload.name, row.payload.version, row.payload.size])).toEqual([
      ['f.txt', 1, 3],
      ['f.txt', 2, 3],
    ]);
  });

  test('scp both ways (modern scp speaks SFTP)', async () => {
    const bytes = localRandomFile('up.bin', 200_000);
    const up = await runOpenSsh(
      'scp',
      ['-P', String(port), join(local, 'up.bin'), 'alice@127.0.0.1:/in/up.bin'],
      PASSWORD,
    );
    expect(up).toMatchObject({ code: 0 });
    const down = await runOpenSsh(
      'scp',
      ['-P', String(port), 'alice@127.0.0.1:/in/up.bin', join(local, 'down.bin')],
      PASSWORD,
    );
    expect(down).toMatchObject({ code: 0 });
    expect(readFileSync(join(local, 'down.bin')).equals(bytes)).toBe(true);
    const uploads = (await events()).filter((row) => row.type === 'FileUploaded');
    expect(uploads.map((row) => [row.payload.name, row.payload.size, row.actor])).toEqual([
      ['in/up.bin', 200_000, 'alice'],
    ]);
  });

  test('legacy scp -O, a remote command and a shell are refused with a reason, and recorded', async () => {
    writeFileSync(join(local, 'up.bin'), 'x');
    const legacy = await runOpenSsh(
      'scp',
      ['-O', '-P', String(port), join(local, 'up.bin'), 'alice@127.0.0.1:up.bin'],
      PASSWORD,
    );
    expect(legacy.code).not.toBe(0);
    expect(legacy.stderr).toContain('this server speaks SFTP only');
    const command = await runOpenSsh('ssh', ['-p', String(port), 'alice@127.0.0.1', 'ls'], PASSWORD);
    expect(command.code).toBe(1);
    expect(command.stderr).toContain('use sftp, or scp without -O');
    const rejected = (await events()).filter((row) => row.type === 'CommandRejected');
    expect(rejected.map((row) => [row.payload.command, row.payload.code, row.actor])).toEqual([
      ['SSH exec', 'UNKNOWN_COMMAND', 'alice'],
      ['SSH exec', 'UNKNOWN_COMMAND', 'alice'],
    ]);
  });

  test('rename moves a file in one event; renaming onto a live name and a missing get are refused and recorded', async () => {
    writeFileSync(join(local, 'a.txt'), 'a');
    const rename = await sftpBatch(
      port,
      'alice',
      PASSWORD,
      ['put a.txt', 'rename a.txt done/b.txt', 'ls done'],
      local,
    );
    expect(rename.code).toBe(0);
    expect(rename.stdout).toMatch(/ls done\ndone\/b\.txt/);
    const onto = await sftpBatch(port, 'alice', PASSWORD, ['put a.txt', 'rename a.txt done/b.txt'], local);
    expect(onto.code).not.toBe(0);
    const missing = await sftpBatch(port, 'alice', PASSWORD, ['get nothing.txt'], local);
    expect(missing.code).not.toBe(0);
    const rows = await events();
    expect(
      rows
        .filter((row) => row.type === 'FileRenamed')
        .map((row) => [row.payload.from, row.payload.to, row.actor]),
    ).toEqual([['a.txt', 'done/b.txt', 'alice']]);
    const rejected = rows.filter((row) => row.type === 'CommandRejected');
    expect(rejected.map((row) => [row.payload.command, row.payload.code])).toEqual(
      expect.arrayContaining([
        ['RENAME', 'CONFLICT'],
        ['STAT', 'NOT_FOUND'],
      ]),
    );
  });

  test('mkdir makes an empty folder that ls shows and cd enters; rmdir removes it; a second mkdir, rmdir of a full folder and setstat are refused', async () => {
    writeFileSync(join(local, 'a.txt'), 'a');
    const made = await sftpBatch(
      port,
      'alice',
      PASSWORD,
      ['mkdir empty', 'put a.txt full/a.txt', 'ls -l', 'cd empty', 'ls', 'cd /', 'rmdir empty', 'ls'],
      local,
    );
    expect(made).toMatchObject({ code: 0, stderr: '' });
    const steps = made.stdout.split('sftp> ');
    expect(steps[3]).toMatch(/^ls -l\ndrwxr-xr-x .* empty\ndrwxr-xr-x .* full\n$/);
    expect(steps[8]).toMatch(/^ls\nfull\s*$/);
    expect((await sftpBatch(port, 'alice', PASSWORD, ['mkdir full'], local)).code).not.toBe(0);
    expect((await sftpBatch(port, 'alice', PASSWORD, ['rmdir full'], local)).code).not.toBe(0);
    const chmod = await sftpBatch(port, 'alice', PASSWORD, ['chmod 600 full/a.txt'], local);
    expect(chmod.code).not.toBe(0);
    expect(chmod.stderr).toMatch(/unsupported/i);
    const rows = await events();
    expect(
      rows
        .filter((row) => row.type.startsWith('Folder'))
        .map((row) => [row.type, row.payload.path, row.actor]),
    ).toEqual([
      ['FolderCreated', 'empty/', 'alice'],
      // `cd empty` STATs the folder, and `ls` there too: each time found, as a folder.
      ['FolderStatShown', 'empty/', 'alice'],
      ['FolderStatShown', 'empty/', 'alice'],
      ['FolderRemoved', 'empty/', 'alice'],
    ]);
    const rejected = rows
      .filter((row) => row.type === 'CommandRejected')
      .map((row) => [row.payload.command, row.payload.code]);
    expect(rejected).toEqual(
      expect.arrayContaining([
        ['MKDIR', 'CONFLICT'],
        ['RMDIR', 'CONFLICT'],
        ['SFTP SETSTAT', 'UNKNOWN_COMMAND'],
      ]),
    );
  });
});

test('a wrong password is refused and recorded as LoginFailed; an unknown user too', async () => {
  await start();
  await addAccount(ferry.app, 'alice', 'write');
  const wrong = await sftpBatch(port, 'alice', 'not the password', ['ls'], local);
  expect(wrong.code).not.toBe(0);
  const unknown = await sftpBatch(port, 'mallory', PASSWORD, ['ls'], local);
  expect(unknown.code).not.toBe(0);
  const failed = (await events()).filter((row) => row.type === 'LoginFailed');
  expect(failed.map((row) => row.payload)).toEqual([
    { user: 'alice', reason: 'bad-password' },
    { user: 'mallory', reason: 'unknown-user' },
  ]);
});

test('without accounts SFTP refuses every login (no anonymous SFTP)', async () => {
  await start();
  const run = await sftpBatch(port, 'anonymous', 'anything', ['ls'], local);
  expect(run.code).not.toBe(0);
  expect((await events()).filter((row) => row.type === 'LoginFailed')).toHaveLength(1);
});

test('failed logins ban the address, for SFTP as for the native protocol: the next connection is refused', async () => {
  await start({ config: { bans: { ...DEFAULT_BAN_POLICY, maxFailures: 2 } } });
  await addAccount(ferry.app, 'alice', 'write');
  await sftpBatch(port, 'alice', 'wrong', ['ls'], local);
  await sftpBatch(port, 'alice', 'wrong', ['ls'], local);
  const banned = await sftpBatch(port, 'alice', PASSWORD, ['ls'], local);
  expect(banned.code).not.toBe(0);
  const rows = await events();
  expect(rows.filter((row) => row.type === 'LoginFailed')).toHaveLength(2);
  expect(rows.filter((row) => row.type === 'LoginSucceeded')).toHaveLength(0);
  // Refused at the door: no session of its own.
  expect(sessionsOf(rows)).toHaveLength(2);
});

test('a read-only account may get but is refused a put, recorded as FORBIDDEN', async () => {
  await start();
  await addAccount(ferry.app, 'reader', 'read');
  await seed('shared.txt', Buffer.from('shared'));
  writeFileSync(join(local, 'mine.txt'), 'mine');
  const get = await sftpBatch(port, 'reader', PASSWORD, ['get shared.txt'], local);
  expect(get.code).toBe(0);
  expect(readFileSync(join(local, 'shared.txt'), 'utf8')).toBe('shared');
  const put = await sftpBatch(port, 'reader', PASSWORD, ['put mine.txt'], local);
  expect(put.code).not.toBe(0);
  expect(put.stderr).toMatch(/Permission denied/);
  const rm = await sftpBatch(port, 'reader', PASSWORD, ['rm shared.txt'], local);
  expect(rm.code).not.toBe(0);
  const rejected = (await events()).filter((row) => row.type === 'CommandRejected');
  expect(rejected.map((row) => [row.payload.command, row.payload.code, row.actor])).toEqual([
    ['UPLOAD', 'FORBIDDEN', 'reader'],
    ['DELETE', 'FORBIDDEN', 'reader'],
  ]);
});

test('a confined account sees its home as / and cannot reach outside it', async () => {
  await start();
  await addAccount(ferry.app, 'alice', 'write', { prefix: 'alice/' });
  await seed('alice/notes.txt', Buffer.from('mine'));
  await seed('bob/secret.txt', Buffer.from('not yours'));
  writeFileSync(join(local, 'new.txt'), 'new');
  const run = await sftpBatch(
    port,
    'alice',
    PASSWORD,
    ['ls /', 'put new.txt /sub/new.txt', 'ls -l sub', 'get notes.txt'],
    local,
  );
  expect(run.code).toBe(0);
  const listings = run.stdout.split('sftp> ');
  expect(listings[1]).toMatch(/^ls \/\n\/notes\.txt\s*$/);
  expect(listings[3]).toMatch(/new\.txt\n$/);
  expect(readFileSync(join(local, 'notes.txt'), 'utf8')).toBe('mine');
  // `..` stops at the home: this names alice/bob/secret.txt, which does not exist.
  const escape = await sftpBatch(port, 'alice', PASSWORD, ['get /../bob/secret.txt'], local);
  expect(escape.code).not.toBe(0);
  const rows = await events();
  expect(
    rows.filter((row) => row.type === 'FileUploaded' && row.actor === 'alice').map((row) => row.payload.name),
  ).toEqual(['alice/sub/new.txt']);
  expect(rows.some((row) => row.type === 'FileDownloaded' && row.payload.name === 'bob/secret.txt')).toBe(
    false,
  );
});

describe('requests OpenSSH does not send (ssh2 client)', () => {
  beforeEach(async () => {
    await start({ config: { uploads: { ...DEFAULT_UPLOAD_LIMITS, maxFileSize: 1000, spaceReserve: 0 } } });
    await addAccount(ferry.app, 'alice', 'write');
  });

  test('writes out of order are reordered; a rewrite, a gap and a size change are refused', async () => {
    const { client, sftp: channel } = await connect();
    try {
      const open = (name: string) => call<Buffer>((done) => channel.open(name, 'w', done));
      const write = (handle: Buffer, data: string, at: number) =>
        call<void>((done) => channel.write(handle, Buffer.from(data), 0, data.length, at, done));
      const close = (handle: Buffer) => call<void>((done) => channel.close(handle, done));

      const ordered = await open('/ordered.txt');
      await write(ordered, 'world', 6);
      await write(ordered, 'hello ', 0);
      expect(await codeOf(write(ordered, 'H', 0))).toBe(8);
      expect(await codeOf(call<void>((done) => channel.fsetstat(ordered, { size: 3 }, done)))).toBe(8);
      expect(await codeOf(call<void>((done) => channel.fsetstat(ordered, { size: 11 }, done)))).toBe(0);
      await close(ordered);

      const gap = await open('/gap.txt');
      await write(gap, 'later', 100);
      expect(await codeOf(close(gap))).toBe(4);

      const reset = await open('/reset.txt');
      await write(reset, 'draft', 0);
      await call<void>((done) => channel.fsetstat(reset, { size: 0 }, done));
      await write(reset, 'final', 0);
      await close(reset);

      const big = await open('/big.txt');
      await write(big, 'x'.repeat(800), 0);
      await write(big, 'x'.repeat(800), 800);
      expect(await codeOf(close(big))).toBe(4);

      // EXCL: "must not exist yet", as --if-version 0.
      expect(await codeOf(call<Buffer>((done) => channel.open('/ordered.txt', 'wx', done)))).toBe(4);

      const text = (name: string) => call<Buffer>((done) => channel.readFile(name, done));
      expect((await text('/ordered.txt')).toString()).toBe('hello world');
      expect((await text('/reset.txt')).toString()).toBe('final');
      expect(await codeOf(text('/gap.txt'))).toBe(2);
    } finally {
      client.end();
    }
    const rows = await events();
    const rejected = rows
      .filter((row) => row.type === 'CommandRejected')
      .map((row) => [row.payload.command, row.payload.code]);
    expect(rejected).toEqual(
      expect.arrayContaining([
        ['SFTP FSETSTAT', 'UNKNOWN_COMMAND'],
        ['UPLOAD', 'SIZE_MISMATCH'],
        ['UPLOAD', 'TOO_LARGE'],
        ['UPLOAD', 'VERSION_CONFLICT'],
      ]),
    );
    expect(rows.filter((row) => row.type === 'FileUploaded').map((row) => row.payload.name)).toEqual([
      'ordered.txt',
      'reset.txt',
    ]);
  });

  test('reads at any offset, forwards, far ahead and backwards; close records the span read', async () => {
    await seed('data.bin', Buffer.from('0123456789'.repeat(100)));
    const { client, sftp: channel } = await connect();
    try {
      const handle = await call<Buffer>((done) => channel.open('/data.bin', 'r', done));
      const read = (at: number, length: number) =>
        call<Buffer>((done) =>
          channel.read(handle, Buffer.alloc(length), 0, length, at, (error, bytes, buffer) =>
            error ? done(error) : done(null, buffer.subarray(0, bytes)),
          ),
        );
      expect((await read(0, 5)).toString()).toBe('01234');
      expect((await read(500, 4)).toString()).toBe('0123');
      expect((await read(10, 4)).toString()).toBe('0123');
      expect((await read(996, 10)).toString()).toBe('6789');
      expect(await read(1000, 1)).toHaveLength(0);
      await call<void>((done) => channel.close(handle, done));
      // reget: the first read is where the local copy ends.
      const resumed = await call<Buffer>((done) => channel.open('/data.bin', 'r', done));
      const tail = await call<Buffer>((done) =>
        channel.read(resumed, Buffer.alloc(400), 0, 400, 600, (error, bytes, buffer) =>
          error ? done(error) : done(null, buffer.subarray(0, bytes)),
        ),
      );
      expect(tail.toString()).toBe('0123456789'.repeat(40));
      await call<void>((done) => channel.close(resumed, done));
      const stats = await call<{ size: number; mode: number }>((done) => channel.stat('/data.bin', done));
      expect(stats).toMatchObject({ size: 1000, mode: 0o100644 });
      expect(await codeOf(call<Buffer>((done) => channel.open('/data.bin', 'r+', done)))).toBe(8);
      // An extension the server never advertised: ssh2's client sends it only if told the server has it.
      (channel as unknown as { _extensions: Record<string, string> })._extensions['statvfs@openssh.com'] =
        '2';
      expect(await codeOf(call<unknown>((done) => channel.ext_openssh_statvfs('/', done)))).toBe(8);
    } finally {
      client.end();
    }
    const rows = await events();
    expect(rows.filter((row) => row.type === 'CommandRejected').map((row) => row.payload.command)).toEqual([
      'SFTP OPEN (reading and writing at once)',
      'SFTP EXTENDED statvfs@openssh.com',
    ]);
    const downloaded = rows.filter((row) => row.type === 'FileDownloaded');
    expect(downloaded.map((row) => row.payload)).toEqual([
      expect.objectContaining({ bytes: 1000, complete: true }),
      expect.objectContaining({ from: 600, bytes: 400, complete: true }),
    ]);
    expect(downloaded[0].payload).not.toHaveProperty('from');
  });

  test('APPEND continues the live version, whatever the offsets; a replaced version is not spliced', async () => {
    await seed('log.txt', Buffer.from('first '));
    const { client, sftp: channel } = await connect();
    const open = (name: string) => call<Buffer>((done) => channel.open(name, 'a', done));
    const write = (handle: Buffer, data: string, at: number) =>
      call<void>((done) => channel.write(handle, Buffer.from(data), 0, data.length, at, done));
    const close = (handle: Buffer) => call<void>((done) => channel.close(handle, done));
    const text = (name: string) =>
      call<Buffer>((done) => channel.readFile(name, done)).then((bytes) => bytes.toString());
    try {
      const appended = await open('/log.txt');
      const attributes = await call<{ size: number }>((done) => channel.fstat(appended, done));
      expect(attributes.size).toBe(6);
      await write(appended, 'second ', 0);
      await write(appended, 'third', 3);
      await close(appended);
      expect(await text('/log.txt')).toBe('first second third');

      // Nothing to append to: an upload.
      const fresh = await open('/new.txt');
      await write(fresh, 'only', 0);
      await close(fresh);
      expect(await text('/new.txt')).toBe('only');

      // Another writer replaces the file while the append is open: the append is refused, not spliced.
      const late = await open('/log.txt');
      await write(late, ' fourth', 18);
      await seed('log.txt', Buffer.from('replaced'));
      expect(await codeOf(close(late))).toBe(4);
      expect(await text('/log.txt')).toBe('replaced');
      // An append cannot start over at 0: its first bytes are another version's.
      const restart = await open('/log.txt');
      expect(await codeOf(call<void>((done) => channel.fsetstat(restart, { size: 0 }, done)))).toBe(8);
      await close(restart);
    } finally {
      client.end();
    }
    const rows = await events();
    const uploads = rows.filter((row) => row.type === 'FileUploaded' && row.actor === 'alice');
    expect(uploads.map((row) => row.payload)).toEqual([
      expect.objectContaining({ name: 'log.txt', version: 2, size: 18, appendedTo: { version: 1, size: 6 } }),
      expect.not.objectContaining({ appendedTo: expect.anything() }),
      expect.objectContaining({ name: 'log.txt', version: 4, size: 8, appendedTo: { version: 3, size: 8 } }),
    ]);
    expect(uploads[1].payload).toMatchObject({ name: 'new.txt', size: 4 });
    const conflicts = rows.filter(
      (row) => row.type === 'CommandRejected' && row.payload.code === 'VERSION_CONFLICT',
    );
    expect(conflicts).toHaveLength(1);
  });
});

describe('limits and endings (ssh2 client)', () => {
  beforeEach(async () => {
    await start();
    await addAccount(ferry.app, 'alice', 'write');
  });

  test('an upload still open when the connection drops publishes nothing; its bytes are held, and that is recorded', async () => {
    const { client, sftp: channel } = await connect();
    const handle = await call<Buffer>((done) => channel.open('/half.txt', 'w', done));
    await call<void>((done) => channel.write(handle, Buffer.from('half'), 0, 4, 0, done));
    client.end();
    await waitFor(async () => (await events()).some((row) => row.type === 'SessionClosed'));
    const rows = await events();
    expect(rows.some((row) => row.type === 'FileUploaded')).toBe(false);
    expect(rows.find((row) => row.type === 'UploadInterrupted')?.payload).toEqual({
      name: 'half.txt',
      upload: 'sftp:half.txt',
      from: 0,
      bytes: 4,
      held: 4,
    });
    // A fresh OPEN (TRUNC) starts afresh: the held bytes go, and the new ones are the file.
    const again = await connect();
    try {
      const fresh = await call<Buffer>((done) => again.sftp.open('/half.txt', 'w', done));
      await call<void>((done) => again.sftp.write(fresh, Buffer.from('whole'), 0, 5, 0, done));
      await call<void>((done) => again.sftp.close(fresh, done));
      expect((await call<Buffer>((done) => again.sftp.readFile('/half.txt', done))).toString()).toBe('whole');
    } finally {
      again.client.end();
    }
    expect(readdirSync(join(ferry.dataDir, 'held'))).toEqual([]);
  });

  test('the server stopping closes open sessions: SessionClosed shutdown', async () => {
    const { client } = await connect();
    const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await sftp.stop(2000);
    await gone;
    const closed = (await events()).find((row) => row.type === 'SessionClosed');
    expect(closed).toMatchObject({ actor: 'alice', payload: { reason: 'shutdown' } });
  });

  test('at most 64 open files, and at most 256 requests waiting: beyond, a failure', async () => {
    await seed('one.txt', Buffer.from('1'));
    const { client, sftp: channel } = await connect();
    try {
      const opens = await Promise.all(
        Array.from({ length: 65 }, () => codeOf(call<Buffer>((done) => channel.open('/one.txt', 'r', done)))),
      );
      expect(opens.filter((code) => code === 0)).toHaveLength(64);
      expect(opens.filter((code) => code === 4)).toHaveLength(1);
      const stats = await Promise.all(
        Array.from({ length: 400 }, () => codeOf(call<unknown>((done) => channel.stat('/one.txt', done)))),
      );
      expect(stats.filter((code) => code === 4).length).toBeGreaterThan(0);
      expect(stats.filter((code) => code === 0).length).toBeGreaterThanOrEqual(256);
    } finally {
      client.end();
    }
  });
});

test("public-key logins with the account's keys: a held key logs in once signed; an offered key that is not held is no attempt", async () => {
  const held = ephemeralHostKey().privateKey;
  const other = ephemeralHostKey().privateKey;
  const publicLine = (key: Buffer) => {
    const parsed = utils.parseKey(key);
    if (parsed instanceof Error) throw parsed;
    return `ssh-ed25519 ${(Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH().toString('base64')} alice@test`;
  };
  await start();
  await addAccount(ferry.app, 'alice', 'write');
  const added = await ferry.app.handlers.accounts.addKey(OPERATOR, 'alice', publicLine(held));
  expect(added.ok).toBe(true);
  await ferry.app.ledger.drain();
  const withKey = (privateKey: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const client = new Client();
      client
        .on('ready', () => {
          client.end();
          resolve();
        })
        .on('error', reject)
        .connect({ host: '127.0.0.1', port, username: 'alice', privateKey });
    });
  await withKey(held);
  await expect(withKey(other)).rejects.toThrow(/authentication methods failed/);
  // And OpenSSH's own sftp, with the key in a file and no password to fall back on.
  const dir = tempDir('ferry-sftp-key-');
  try {
    writeFileSync(join(dir, 'id'), held, { mode: 0o600 });
    writeFileSync(join(dir, 'up.txt'), 'signed in by key');
    const run = await openSshWithKey(join(dir, 'id'), ['put up.txt', 'ls'], dir);
    expect(run).toMatchObject({ code: 0 });
  } finally {
    removeDir(dir);
  }
  await waitFor(async () => (await events()).filter((row) => row.type === 'SessionClosed').length === 3);
  const logins = (await events()).filter((row) => row.type.startsWith('Login'));
  expect(logins.map((row) => [row.type, row.actor, row.payload.user])).toEqual([
    ['LoginSucceeded', 'alice', 'alice'],
    ['LoginSucceeded', 'alice', 'alice'],
  ]);
  expect(logins[0].payload.key).toMatch(/^SHA256:/);
  const upload = (await events()).find((row) => row.type === 'FileUploaded');
  expect(upload).toMatchObject({ actor: 'alice', payload: { name: 'up.txt' } });
});

/** OpenSSH's sftp with a key file only: no password, no agent, no other key. */
function openSshWithKey(keyFile: string, commands: string[], cwd: string) {
  const args = [
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
  ];
  args.push('-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes', '-o', 'PasswordAuthentication=no');
  args.push('-i', keyFile, '-P', String(port), '-b', '-', 'alice@127.0.0.1');
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn('sftp', args, { cwd, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(commands.join('\n') + '\n');
  });
}

describe('deadlines', () => {
  test('a peer that never finishes the SSH handshake is cut at the login deadline, with no session', async () => {
    await start({}, { loginTimeoutMs: 300 });
    const socket = netConnect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    // Read what the server sends (its SSH version line), so its close is seen.
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(sessionsOf(await events())).toHaveLength(0);
  });

  test('a client that does not log in in time is closed: SessionClosed login-timeout', async () => {
    await start({}, { loginTimeoutMs: 500 });
    await addAccount(ferry.app, 'alice', 'write');
    await expect(connect('alice', { authenticate: false })).rejects.toThrow();
    await waitFor(async () => (await events()).some((row) => row.type === 'SessionClosed'));
    const closed = (await events()).find((row) => row.type === 'SessionClosed');
    expect(closed?.payload).toEqual({ reason: 'login-timeout' });
  });

  test('a session idle too long is closed: SessionClosed idle; an unknown handle is a failure', async () => {
    await start({}, { idleTimeoutMs: 800 });
    await addAccount(ferry.app, 'alice', 'write');
    const { client, sftp: channel } = await connect();
    const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
    expect(await codeOf(call<void>((done) => channel.close(Buffer.from('nope'), done)))).toBe(4);
    await gone;
    await waitFor(async () => (await events()).some((row) => row.type === 'SessionClosed'));
    const closed = (await events()).find((row) => row.type === 'SessionClosed');
    expect(closed).toMatchObject({ actor: 'alice', payload: { reason: 'idle' } });
  });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 100 && !(await condition()); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
