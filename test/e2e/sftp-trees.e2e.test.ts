import { join } from 'node:path';
import { SftpServer } from '../../src/transport/sftp/sftp-server';
import { addAccount, PASSWORD } from '../support/accounts';
import { readEvents } from '../support/audit-db';
import { cmpFile, filesUnder, TREE_FILES, writeTree } from '../support/file-tree';
import { sftpBatch, startSftpServer } from '../support/sftp-server';
import { removeDir, startTestServer, tempDir, TestServer } from '../support/test-server';

/** Whole folders both ways with OpenSSH's `put -r` and `get -r`. */

let ferry: TestServer;
let sftp: SftpServer;
let port: number;
let local: string;

beforeEach(async () => {
  local = tempDir('ferry-sftp-tree-');
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
  const names = [...TREE_FILES.keys()].sort();
  expect(filesUnder(join(local, 'back'))).toEqual(names);
  for (const name of names) {
    expect({ name, ...cmpFile(name, join(local, 'tree'), join(local, 'back')) }).toEqual({
      name,
      code: 0,
      said: '',
    });
  }
  await ferry.app.ledger.drain();
  const rows = readEvents(ferry.dataDir);
  const uploads = rows.filter((row) => row.type === 'FileUploaded');
  expect(uploads.map((row) => [row.actor, row.payload.name, row.payload.size]).sort()).toEqual(
    names.map((name) => ['alice', `tree/${name}`, TREE_FILES.get(name)]),
  );
  const setstats = rows.filter((row) => row.payload.command === 'SFTP SETSTAT');
  expect(setstats.map((row) => [row.actor, row.type, row.payload.name]).sort()).toEqual(
    FOLDERS.map((folder) => ['alice', 'CommandRejected', folder]).sort(),
  );
});
