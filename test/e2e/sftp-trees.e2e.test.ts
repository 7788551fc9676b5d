import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SftpServer } from '../../src/transport/sftp/sftp-server';
import { addAccount, PASSWORD } from '../support/accounts';
import { EventRow, readEvents } from '../support/audit-db';
import { cmpFile, filesUnder, TREE_FILES, writeTree } from '../support/file-tree';
import { Run, sftpBatch, startSftpServer } from '../support/sftp-server';
import { removeDir, startTestServer, tempDir, TestServer } from '../support/test-server';

/**
 * Whole trees of files through real clients: OpenSSH's `put -r` and `get -r`, and rclone's sftp backend
 * configured as docs/SFTP.md says.
 */

let ferry: TestServer;
let sftp: SftpServer;
let port: number;
let local: string;

beforeEach(async () => {
  local = tempDir('ferry-sftp-trees-');
  ferry = await startTestServer();
  ({ server: sftp, port } = await startSftpServer(ferry));
  await addAccount(ferry.app, 'alice', 'write');
});

afterEach(async () => {
  await sftp.stop(2000);
  await ferry.stop();
  removeDir(ferry.dataDir);
  removeDir(local);
});

/**
 * An on-the-fly remote for alice, configured as docs/SFTP.md says: no config file to write.
 * `shell_type=none` keeps rclone from probing for a shell with remote commands, which Ferry refuses (it
 * speaks SFTP only); `set_modtime=false` because Ferry cannot set a file's time (it is when its version
 * was written) and rclone fails an upload whose time it cannot set.
 */
function remote(path: string, options: { setModtime: boolean } = { setModtime: false }): string {
  const obscured = spawnSync('rclone', ['obscure', PASSWORD]).stdout.toString().trim();
  const modtime = options.setModtime ? '' : ',set_modtime=false';
  return `:sftp,host=127.0.0.1,port=${port},user=alice,pass=${obscured},shell_type=none${modtime}:${path}`;
}

/** rclone with an empty config of its own and no retries, so a refusal fails the run at once. */
function rclone(args: string[]): Promise<Run> {
  const config = join(local, 'rclone.conf');
  writeFileSync(config, '');
  return new Promise((resolve, reject) => {
    const child = spawn(
      'rclone',
      [...args, '--config', config, '--retries', '1', '--low-level-retries', '1'],
      {
        cwd: local,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function events(): Promise<EventRow[]> {
  await ferry.app.ledger.drain();
  return readEvents(ferry.dataDir);
}

const NAMES = [...TREE_FILES.keys()].sort();

/** `back/` holds the files of `tree/`, each the same bytes (cmp). */
function expectTreeCameBack(): void {
  expect(filesUnder(join(local, 'back'))).toEqual(NAMES);
  for (const name of NAMES) {
    expect({ name, ...cmpFile(name, join(local, 'tree'), join(local, 'back')) }).toEqual({
      name,
      code: 0,
      said: '',
    });
  }
}

/** One FileUploaded per file of the tree, under `tree/`, by alice. */
function expectOneUploadPerFile(rows: EventRow[]): void {
  const uploads = rows.filter((row) => row.type === 'FileUploaded');
  expect(uploads.map((row) => [row.actor, row.payload.name, row.payload.size]).sort()).toEqual(
    NAMES.map((name) => ['alice', `tree/${name}`, TREE_FILES.get(name)]),
  );
}

test('rclone copy up and back down carries a tree byte for byte, check --download finds no difference, and the log has alice', async () => {
  writeTree(join(local, 'tree'));

  const up = await rclone(['copy', join(local, 'tree'), remote('tree')]);
  expect(up).toMatchObject({ code: 0, stderr: '' });

  // Ferry's time is the upload's, later than the local file's: --update leaves the files alone.
  const again = await rclone(['copy', '--update', join(local, 'tree'), remote('tree')]);
  expect(again).toMatchObject({ code: 0, stderr: '' });

  // Without a hash in common (shell_type=none), --download compares the bytes themselves.
  const check = await rclone(['check', '--download', join(local, 'tree'), remote('tree')]);
  expect(check.stderr).toContain('0 differences found');
  expect(check.stderr).toContain(`${NAMES.length} matching files`);
  expect(check.code).toBe(0);

  const down = await rclone(['copy', remote('tree'), join(local, 'back')]);
  expect(down).toMatchObject({ code: 0, stderr: '' });
  expectTreeCameBack();

  const rows = await events();
  expectOneUploadPerFile(rows);
  const downloads = rows.filter((row) => row.type === 'FileDownloaded');
  for (const name of NAMES) {
    // One by check --download, one by the copy down.
    expect(downloads.filter((row) => row.payload.name === `tree/${name}`)).toEqual([
      expect.objectContaining({
        actor: 'alice',
        payload: expect.objectContaining({ bytes: TREE_FILES.get(name), complete: true }),
      }),
      expect.objectContaining({
        actor: 'alice',
        payload: expect.objectContaining({ bytes: TREE_FILES.get(name), complete: true }),
      }),
    ]);
  }
  // A STAT of a folder is recorded as a refused STAT (docs/SFTP.md); nothing rclone sent was unsupported.
  expect(rows.filter((row) => row.type === 'CommandRejected' && row.payload.command !== 'STAT')).toEqual([]);
});

test('without set_modtime=false rclone fails each upload on the refused SETSTAT of its time, though Ferry published it', async () => {
  writeTree(join(local, 'tree'));

  const up = await rclone(['copy', join(local, 'tree'), remote('tree', { setModtime: true })]);

  expect(up.code).not.toBe(0);
  expect(up.stderr).toContain(
    `Update SetModTime failed: SetModTime failed: sftp: "UNKNOWN_COMMAND: SETSTAT can set nothing but an open upload's size`,
  );
  expect(up.stderr).toContain('(SSH_FX_OP_UNSUPPORTED)');
  const rows = await events();
  const refusals = rows.filter((row) => row.type === 'CommandRejected' && row.payload.command !== 'STAT');
  expect(
    refusals.map((row) => [row.actor, row.payload.command, row.payload.code, row.payload.name]).sort(),
  ).toEqual(NAMES.map((name) => ['alice', 'SFTP SETSTAT', 'UNKNOWN_COMMAND', `tree/${name}`]));
  expect(rows.filter((row) => row.type === 'FileUploaded')).toHaveLength(NAMES.length);
});

/** The folders `put -r tree` uploads: `tree` itself and every folder of TREE_FILES under it. */
const FOLDERS = [
  'tree',
  'tree/with spaces',
  'tree/nested',
  'tree/nested/deeper',
  'tree/nested/deeper/deepest',
];

test('put -r uploads a tree (nested, spaces, UTF-8) as one FileUploaded per file by alice; get -r brings back the same bytes', async () => {
  writeTree(join(local, 'tree'));

  const run = await sftpBatch(port, 'alice', PASSWORD, ['put -r tree', 'get -r tree back'], local);

  // put -r copies each folder's mode after filling it; Ferry's modes are fixed, so each is refused
  // and sftp warns (padded with spaces over its progress meter), but carries on and succeeds.
  expect(run.code).toBe(0);
  const warnings = run.stderr.split('\n').map((line) => line.trimEnd());
  expect(warnings.filter(Boolean).sort()).toEqual(
    FOLDERS.map((folder) => `remote setstat "/${folder}": Operation unsupported`).sort(),
  );
  expectTreeCameBack();
  const rows = await events();
  expectOneUploadPerFile(rows);
  const setstats = rows.filter((row) => row.payload.command === 'SFTP SETSTAT');
  expect(setstats.map((row) => [row.actor, row.type, row.payload.name]).sort()).toEqual(
    FOLDERS.map((folder) => ['alice', 'CommandRejected', folder]).sort(),
  );
});
