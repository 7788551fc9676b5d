import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { verifyAuditLog } from '../../src/app/audit/verify-audit-log';
import { openAuditToolkit, startApplication } from '../../src/app/composition-root';
import { DEFAULT_CONFIG } from '../../src/app/config';
import { FileName } from '../../src/domain/names';
import { DiskFileStore } from '../../src/infra/storage/disk-file-store';
import { CRASH_MODELS, CrashModel, crashState, readTree, Tree, writeTree } from '../support/crash-states';
import { silentLogger } from '../support/silent-logger';
import { FsOp, straceAvailable, traceFileSystemCalls } from '../support/syscall-trace';
import { removeDir, tempDir } from '../support/test-server';

/**
 * Crash points, enumerated: the file-system calls of one upload, from its first byte to the server's
 * close (blob write, fsync, rename, directory fsync, WAL appends and fdatasync, the checkpoint, SQLite's
 * own checkpoint into the database), recorded with strace. For every prefix of that sequence, and under
 * three crash models (a killed process; a power cut that loses unsynced bytes; one that also loses
 * directory entries not fsynced), the state a crash there would leave is built, Ferry is started on it,
 * and the promises are checked: an acknowledged upload is there and whole, an unacknowledged one is
 * whole or absent, temporaries are swept, the folder keeps serving, and `audit verify` passes.
 */

const SCRIPT = join(__dirname, '..', 'support', 'one-upload.js');

/** The bytes one-upload.js uploads: each 8-byte word holds its own offset. */
function bodyOf(length: number): Buffer {
  const body = Buffer.alloc(length);
  for (let offset = 0; offset + 8 <= length; offset += 8) body.writeUInt32BE(offset, offset + 4);
  return body;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fingerprint(tree: Tree): string {
  const hash = createHash('sha256');
  for (const [path, content] of [...tree].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(path).update(content === 'dir' ? 'dir' : sha256(content));
  }
  return hash.digest('hex');
}

async function blobDigest(dataDir: string, digest: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of new DiskFileStore(dataDir).read(digest)) hash.update(chunk);
  return hash.digest('hex');
}

interface Expectations {
  readonly old: string;
  readonly fresh: string;
  /** The crash came after the upload was acknowledged. */
  readonly acknowledged: boolean;
}

/** What is wrong with the folder, started and checked as the module comment says; empty when nothing. */
async function problemsOf(dataDir: string, expected: Expectations): Promise<string[]> {
  const problems: string[] = [];
  let app;
  try {
    app = await startApplication({ ...DEFAULT_CONFIG, dataDir }, { logger: silentLogger });
  } catch (error) {
    return [`does not start: ${String(error)}`];
  }
  try {
    const catalogue = app.ledger.catalogue;
    const old = catalogue.live('old.txt');
    if (old?.sha256 !== expected.old) problems.push(`old.txt is ${old ? 'other bytes' : 'gone'}`);
    else if ((await blobDigest(dataDir, old.sha256)) !== expected.old) problems.push('old.txt bytes damaged');
    const fresh = catalogue.live('new.txt');
    if (fresh === undefined && expected.acknowledged) problems.push('the acknowledged new.txt is gone');
    if (fresh !== undefined) {
      if (fresh.sha256 !== expected.fresh) problems.push('new.txt is listed with other bytes');
      else if ((await blobDigest(dataDir, fresh.sha256).catch(() => 'unreadable')) !== expected.fresh) {
        problems.push('new.txt is listed but its bytes are missing or damaged');
      }
    }
    const temporaries = readdirSync(join(dataDir, 'tmp'));
    if (temporaries.length > 0) problems.push(`temporaries left: ${temporaries.join(', ')}`);
    const origin = await app.handlers.sessions.open('127.0.0.1:1', { protocol: 1 });
    const transfer = await app.handlers.upload.begin(origin, { name: 'after.txt' as FileName, size: 5 });
    await transfer.write(Buffer.from('after'));
    if (!(await transfer.finish()).ok) problems.push('an upload after the restart fails');
  } catch (error) {
    problems.push(`fails while checked: ${String(error)}`);
  } finally {
    await app.close();
  }
  const toolkit = openAuditToolkit(dataDir);
  if (!toolkit.ok) return [...problems, `audit cannot open: ${toolkit.failure.message}`];
  try {
    const verdict = await verifyAuditLog(toolkit.value);
    if (!verdict.ok) problems.push(`audit verify fails: ${verdict.failure.message}`);
  } finally {
    await toolkit.value.close();
  }
  return problems;
}

function describeOp(op: FsOp | undefined, root: string): string {
  if (!op) return 'the end';
  const short = (path: string) => path.slice(root.length + 1);
  switch (op.kind) {
    case 'write':
      return `write ${op.data.length} B to ${short(op.path)} at ${op.offset}`;
    case 'rename':
      return `rename ${short(op.from)} to ${short(op.to)}`;
    case 'marker':
      return `marker ${op.label}`;
    case 'truncate':
      return `truncate ${short(op.path)} to ${op.size}`;
    default:
      return `${op.kind} ${short(op.path)}`;
  }
}

const describeIfStrace = straceAvailable() ? describe : describe.skip;
if (!straceAvailable()) {
  process.stderr.write('crash-points: strace is not installed (apt-get install strace): skipped\n');
}

describeIfStrace('an upload crashed at every one of its file-system calls, under three crash models', () => {
  it.each([
    // A blob of its own: written to tmp/, fsynced, renamed into its shard, the shard fsynced.
    ['a file of its own', 100_000, ['marker', 'mkdir', 'open', 'rename', 'sync', 'write']],
    // A small blob: a row of the pack, made durable with the pack's WAL fsync.
    ['a small file in the pack', 5_000, ['marker', 'sync', 'write']],
  ])(
    'never loses the acknowledged, never shows the partial, and always verifies: %s',
    async (_kind, newSize, kindsOfUpload) => {
      const dataDir = tempDir();
      const work = tempDir('ferry-crash-states-');
      try {
        // The folder before: a server ran on it, holds old.txt, and stopped.
        const old = bodyOf(3000);
        traceFileSystemCalls(
          process.execPath,
          [SCRIPT, dataDir, 'old.txt', String(old.length)],
          dataDir,
          join(work, 'setup.trace'),
        );
        const before = readTree(dataDir);
        // Checkpoints every 2 events: the upload's commit signs one.
        const ops = traceFileSystemCalls(
          process.execPath,
          [SCRIPT, dataDir, 'new.txt', String(newSize), '2'],
          dataDir,
          join(work, 'upload.trace'),
        );
        const at = (label: string) => ops.findIndex((op) => op.kind === 'marker' && op.label === label);
        const [begin, acknowledged] = [at('BEGIN'), at('ACKNOWLEDGED')];
        expect(begin).toBeGreaterThan(0);
        expect(acknowledged).toBeGreaterThan(begin);
        const kinds = new Set(ops.slice(begin, acknowledged).map((op) => op.kind));
        expect([...kinds].sort()).toEqual(kindsOfUpload);

        const expected = { old: sha256(old), fresh: sha256(bodyOf(newSize)) };
        const seen = new Set<string>();
        const failures: string[] = [];
        let states = 0;
        for (let upTo = begin; upTo <= ops.length; upTo++) {
          for (const model of CRASH_MODELS) {
            const tree = crashState(before, ops, begin, upTo, model);
            const key = fingerprint(tree);
            if (seen.has(key)) continue;
            seen.add(key);
            states++;
            const state = join(work, `state-${states}`);
            writeTree(tree, dataDir, state);
            const problems = await problemsOf(state, { ...expected, acknowledged: upTo > acknowledged });
            const where = `crash before call ${upTo} (${describeOp(ops[upTo], dataDir)}), ${model as CrashModel}`;
            for (const problem of problems) failures.push(`${where}: ${problem}`);
            removeDir(state);
          }
        }
        expect(failures).toEqual([]);
        expect(states).toBeGreaterThan(20);
      } finally {
        removeDir(dataDir);
        removeDir(work);
      }
    },
    300_000,
  );
});
