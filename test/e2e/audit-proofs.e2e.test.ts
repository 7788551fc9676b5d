import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import {
  appendForged,
  AuditedDataFolder,
  copyDataFolder,
  cutTail,
  makeAuditedDataFolder,
  rebuild,
  recordOf,
  tamper,
  verify,
} from '../support/audited-data-folder';
import { runFerry } from '../support/ferry-binary';
import { removeStoredBlob, replaceStoredBlob } from '../support/stored-blobs';
import { removeDir, tempDir } from '../support/test-server';

describe('ferry audit: the log proves itself, through the real binary', () => {
  let work: string;
  let folder: AuditedDataFolder;
  let copies = 0;
  /** Each attack gets its own copy of the folder the two server runs left behind. */
  const copy = () => copyDataFolder(folder.dataDir, join(work, `copy-${++copies}`));
  const seqsOf = (type: string) =>
    readEvents(folder.dataDir)
      .filter((e) => e.type === type)
      .map((e) => e.seq);

  beforeAll(async () => {
    work = tempDir('ferry-audit-');
    folder = await makeAuditedDataFolder(work);
  });

  afterAll(() => removeDir(work));

  describe('verify', () => {
    it('passes the untouched folder, with a summary of what it checked', async () => {
      const events = readEvents(folder.dataDir).length;
      expect(folder.lastCheckpointSize).toBe(events);
      const human = await runFerry(['audit', 'verify', '--data', folder.dataDir]);
      expect(human.code).toBe(0);
      const [summary, checked, ...rest] = human.stdout.split('\n');
      expect(summary).toMatch(
        new RegExp(`^verified ${events} events, 2 checkpoints, 6 blobs; root [0-9a-f]{64}$`),
      );
      expect(checked).toMatch(/^checked: every record .* every blob against its SHA-256$/);
      expect(rest).toEqual(['']);
      const against = await verify(folder.dataDir, '--against', folder.firstCheckpointFile);
      expect(against).toMatchObject({ code: 0, json: { ok: true, events } });
    });

    it('names an event whose record was edited with SQL', async () => {
      const dir = copy();
      const seq = seqsOf('FileUploaded')[1];
      tamper(dir, `UPDATE events SET record = replace(record, 'notes.txt', 'notes.TXT') WHERE seq = ${seq}`);
      const verdict = await verify(dir);
      expect(verdict).toMatchObject({ code: 1, json: { ok: false, code: 'LEAF_MISMATCH', seq } });
      expect(verdict.stderr).toMatch(
        new RegExp(`^ferry: audit failed: event ${seq}: .*\\(LEAF_MISMATCH\\)\\n$`),
      );
    });

    it('names the gap a deleted row leaves', async () => {
      const dir = copy();
      const seq = seqsOf('FileDeleted')[0];
      tamper(dir, `DELETE FROM events WHERE seq = ${seq}`);
      expect(await verify(dir)).toMatchObject({ code: 1, json: { code: 'EVENT_GAP', seq } });
    });

    it('names the first of two rows whose records were swapped', async () => {
      const dir = copy();
      const [first, second] = seqsOf('FileUploaded');
      const [a, b] = [recordOf(dir, first), recordOf(dir, second)];
      tamper(dir, 'UPDATE events SET record = ? WHERE seq = ?', [b, first]);
      tamper(dir, 'UPDATE events SET record = ? WHERE seq = ?', [a, second]);
      expect(await verify(dir)).toMatchObject({ code: 1, json: { code: 'SEQ_MISMATCH', seq: first } });
    });

    it('catches a cut tail from the checkpoint signed over it', async () => {
      const dir = copy();
      const keep = folder.lastCheckpointSize - 3;
      cutTail(dir, keep, { dropCheckpoints: false });
      expect(await verify(dir)).toMatchObject({ code: 1, json: { code: 'LOG_TRUNCATED', seq: keep + 1 } });
    });

    it('catches a cut tail whose checkpoints were dropped too, given a checkpoint kept elsewhere', async () => {
      const dir = copy();
      const keep = folder.lastCheckpointSize - 3;
      cutTail(dir, keep, { dropCheckpoints: true });
      // The catalogue tables still reflect the removed events, and rebuild will not erase that.
      expect(await verify(dir)).toMatchObject({ code: 1, json: { code: 'LOG_TRUNCATED', seq: keep + 1 } });
      expect(await rebuild(dir)).toMatchObject({ code: 1, stderr: expect.stringMatching(/damaged/) });
      // A thorough attacker empties them too and has them folded again from what is left.
      tamper(dir, 'UPDATE catalogue_position SET seq = 0');
      expect((await rebuild(dir)).code).toBe(0);
      // Nothing left in the folder disagrees: this is why checkpoints are kept outside it.
      expect(await verify(dir)).toMatchObject({ code: 0, json: { ok: true } });
      expect(await verify(dir, '--against', folder.lastCheckpointFile)).toMatchObject({
        code: 1,
        json: { code: 'LOG_TRUNCATED', seq: folder.lastCheckpointSize - 2 },
      });
      expect((await verify(dir, '--against', folder.firstCheckpointFile)).code).toBe(0);
    });

    it('catches a rewritten tail with consistent nodes, given a checkpoint kept elsewhere', async () => {
      const dir = copy();
      const { firstCheckpointSize: keep, lastCheckpointSize: size } = folder;
      const forged = Array.from({ length: size - keep }, (_, i) =>
        recordOf(dir, keep + i + 1).replace(/"remote":"[^"]*"/, '"remote":"10.6.6.6:666"'),
      );
      cutTail(dir, keep, { dropCheckpoints: true });
      appendForged(dir, forged);
      expect(await verify(dir)).toMatchObject({ code: 0, json: { ok: true, events: size } });
      expect(await verify(dir, '--against', folder.lastCheckpointFile)).toMatchObject({
        code: 1,
        json: { code: 'INCONSISTENT' },
      });
    });

    it('refuses a checkpoint forged without the private key', async () => {
      const dir = copy();
      tamper(dir, 'INSERT INTO checkpoints (tree_size, root, at, key_id, signature) VALUES (?, ?, ?, ?, ?)', [
        folder.lastCheckpointSize + 5,
        Buffer.alloc(32, 7),
        '2030-01-01T00:00:00.000Z',
        (JSON.parse(readFileSync(folder.lastCheckpointFile, 'utf8')) as { keyId: string }).keyId,
        Buffer.alloc(64, 9),
      ]);
      expect(await verify(dir)).toMatchObject({ code: 1, json: { code: 'SIGNATURE_INVALID' } });
    });

    it('names a blob whose bytes were replaced, and one that is missing', async () => {
      const dir = copy();
      const upload = readEvents(dir).find(
        (e) => e.type === 'FileUploaded' && e.payload.name === 'notes.txt',
      )!;
      const sha = String(upload.payload.sha256);
      replaceStoredBlob(dir, sha, Buffer.from('forged notes\n'));
      const corrupt = await verify(dir);
      expect(corrupt).toMatchObject({ code: 1, json: { code: 'BLOB_CORRUPT', sha256: sha } });
      expect(corrupt.json.message).toContain('"notes.txt" version 1');

      removeStoredBlob(dir, sha);
      expect(await verify(dir)).toMatchObject({ code: 1, json: { code: 'BLOB_MISSING', sha256: sha } });
    });

    it('says it cannot check a folder that is not there, with exit code 2', async () => {
      const verdict = await verify(join(work, 'no-such-folder'));
      expect(verdict).toMatchObject({ code: 2, json: { ok: false, code: 'UNREADABLE' } });
    });
  });

  describe('prove and check-proof', () => {
    let keyFile: string;
    let proofFile: string;
    let proof: { seq: number; record: string; inclusionProof: string[]; checkpoint: Record<string, unknown> };
    const checkProof = (file: string) => runFerry(['audit', 'check-proof', file, '--key', keyFile]);

    function flip(hex: string, at: number): string {
      return hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);
    }

    beforeAll(async () => {
      const key = await runFerry(['audit', 'key', '--data', folder.dataDir]);
      expect(key.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
      keyFile = join(work, 'ferry.pub.pem');
      writeFileSync(keyFile, key.stdout);
      const seq = seqsOf('FileUploaded')[1];
      const proved = await runFerry(['audit', 'prove', String(seq), '--data', folder.dataDir]);
      expect(proved.code).toBe(0);
      proofFile = join(work, 'proof.json');
      writeFileSync(proofFile, proved.stdout);
      proof = JSON.parse(proved.stdout) as typeof proof;
    });

    it('proves an event against the latest checkpoint, checkable with the public key alone', async () => {
      expect(proof.record).toBe(recordOf(folder.dataDir, proof.seq));
      expect(proof.checkpoint.size).toBe(folder.lastCheckpointSize);
      expect(proof.inclusionProof.every((hash) => /^[0-9a-f]{64}$/.test(hash))).toBe(true);
      const checked = await checkProof(proofFile);
      expect(checked).toMatchObject({ code: 0, stderr: '' });
      expect(checked.stdout).toMatch(new RegExp(`^proof holds: event ${proof.seq} is in the log of `));
    });

    it('proves against an earlier checkpoint with --size', async () => {
      const file = join(work, 'proof-first.json');
      const args = [
        'audit',
        'prove',
        '2',
        '--data',
        folder.dataDir,
        '--size',
        String(folder.firstCheckpointSize),
      ];
      const proved = await runFerry(args);
      writeFileSync(file, proved.stdout);
      expect(JSON.parse(proved.stdout)).toMatchObject({
        seq: 2,
        checkpoint: { size: folder.firstCheckpointSize },
      });
      expect((await checkProof(file)).code).toBe(0);
      const missing = await runFerry(['audit', 'prove', '2', '--data', folder.dataDir, '--size', '3']);
      expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('(NO_CHECKPOINT)') });
    });

    it('fails when one character of a proof element, the record, the root or the signature changes', async () => {
      const forgeries = {
        element: {
          ...proof,
          inclusionProof: [
            proof.inclusionProof[0],
            flip(proof.inclusionProof[1], 17),
            ...proof.inclusionProof.slice(2),
          ],
        },
        record: {
          ...proof,
          record: proof.record.replace(/"size":(\d)/, (_m, d: string) => `"size":${(Number(d) + 1) % 10}`),
        },
        root: {
          ...proof,
          checkpoint: { ...proof.checkpoint, root: flip(String(proof.checkpoint.root), 40) },
        },
        signature: {
          ...proof,
          checkpoint: { ...proof.checkpoint, signature: flip(String(proof.checkpoint.signature), 5) },
        },
      };
      const verdicts = await Promise.all(
        Object.entries(forgeries).map(async ([what, forged]) => {
          const file = join(work, `forged-${what}.json`);
          writeFileSync(file, JSON.stringify(forged));
          const checked = await checkProof(file);
          return [what, checked.code, checked.stderr.split('\n').length - 1] as const;
        }),
      );
      expect(verdicts).toEqual([
        ['element', 1, 1],
        ['record', 1, 1],
        ['root', 1, 1],
        ['signature', 1, 1],
      ]);
    });
  });
});
