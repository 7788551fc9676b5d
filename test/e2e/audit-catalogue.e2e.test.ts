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
import { RunResult, runFerry, startServerProcess } from '../support/ferry-binary';
import { removeDir, tempDir } from '../support/test-server';

const nameId = (name: string) => `(SELECT id FROM catalogue_names WHERE key = CAST('${name}' AS BLOB))`;

describe('the catalogue tables against the log: ferry audit verify and ferry admin rebuild, through the binary', () => {
  let work: string;
  let folder: AuditedDataFolder;
  let copies = 0;
  const copy = () => copyDataFolder(folder.dataDir, join(work, `copy-${++copies}`));

  beforeAll(async () => {
    work = tempDir('ferry-catalogue-');
    folder = await makeAuditedDataFolder(work);
  });

  afterAll(() => removeDir(work));

  it('passes a folder the server wrote, and still does after a rebuild, which says what it did', async () => {
    const dir = copy();
    const events = readEvents(dir).length;
    expect(await verify(dir)).toMatchObject({ code: 0, json: { ok: true, events } });
    const rebuilt = await rebuild(dir);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(
      new RegExp(`^rebuilt the catalogue: folded ${events} events in \\d+\\.\\d s\\n$`),
    );
    expect(rebuilt.stderr).toBe(`folded ${events} of ${events} events (100%)\n`);
    expect(await verify(dir)).toMatchObject({ code: 0, json: { ok: true, events } });
  });

  it.each([
    [
      'a version made one byte longer',
      `UPDATE catalogue_versions SET size = size + 1 WHERE name_id = ${nameId('notes.txt')} AND version = 2`,
      /catalogue_versions, "notes\.txt" version 2: size is 14 in the data folder, 13 from the log/,
    ],
    [
      'a name row deleted',
      `DELETE FROM catalogue_names WHERE key = CAST('report.pdf' AS BLOB)`,
      /catalogue_names, "report\.pdf": the log gives this row, the data folder lacks it/,
    ],
    [
      'the position set back',
      'UPDATE catalogue_position SET seq = seq - 2',
      /^catalogue_position: the catalogue tables reflect events up to seq (\d+) but the log has \d+/,
    ],
  ])('names %s (CATALOGUE_MISMATCH), which ferry admin rebuild mends', async (_label, sql, named) => {
    const dir = copy();
    tamper(dir, sql);
    const verdict = await verify(dir);
    expect(verdict).toMatchObject({ code: 1, json: { ok: false, code: 'CATALOGUE_MISMATCH' } });
    expect(verdict.json.message).toMatch(named);
    expect(verdict.stderr).toMatch(
      /^ferry: audit failed: .*with the server stopped, run `ferry admin rebuild`.* \(CATALOGUE_MISMATCH\)\n$/,
    );
    expect((await rebuild(dir)).code).toBe(0);
    expect(await verify(dir)).toMatchObject({ code: 0, json: { ok: true } });
  });

  it('takes tables ahead of the log for a removed tail, which rebuild refuses to erase', async () => {
    const dir = copy();
    const events = readEvents(dir).length;
    tamper(dir, 'UPDATE catalogue_position SET seq = seq + 3');
    expect(await verify(dir)).toMatchObject({ code: 1, json: { code: 'LOG_TRUNCATED', seq: events + 1 } });
    const refused = await rebuild(dir);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^ferry: audit log damaged: the catalogue reflects \d+ events/);
  });

  it('names an appended event the catalogue cannot fold as RECORD_INVALID, with its seq', async () => {
    const dir = copy();
    const size = folder.lastCheckpointSize;
    const firstUpload = readEvents(dir).find((event) => event.type === 'FileUploaded')!.seq;
    const upload = JSON.parse(recordOf(dir, firstUpload)) as { payload: Record<string, unknown> };
    cutTail(dir, size - 1, { dropCheckpoints: true });
    // Version 7 of a name at version 2: consistent nodes, no checkpoint over it, but no catalogue takes it.
    appendForged(dir, [JSON.stringify({ ...upload, seq: size, payload: { ...upload.payload, version: 7 } })]);
    const verdict = await verify(dir);
    expect(verdict).toMatchObject({ code: 1, json: { code: 'RECORD_INVALID', seq: size } });
    expect(verdict.json.message).toMatch(new RegExp(`^event ${size} cannot be folded into the catalogue`));
  });

  it('refuses to rebuild while a server holds the data folder, and touches nothing', async () => {
    const dir = copy();
    const server = await startServerProcess(['--data', dir, '--log-level', 'error']);
    let refused: RunResult;
    try {
      refused = await rebuild(dir);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(
      /^ferry: .* is in use by process \d+ \(a running server\?\); stop it first\n$/,
    );
    expect(await verify(dir)).toMatchObject({ code: 0, json: { ok: true } });
    expect((await rebuild(dir)).code).toBe(0);
  });

  it('exits 2 on bad usage and 1 where there is no audit log', async () => {
    expect((await runFerry(['admin', 'rebuild', '--no-such-option'])).code).toBe(2);
    expect((await runFerry(['admin'])).code).toBe(2);
    const missing = await runFerry(['admin', 'rebuild', '--data', join(work, 'no-such-folder')]);
    expect(missing).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^ferry: no audit log at .*audit\.db\n$/),
    });
  });
});
