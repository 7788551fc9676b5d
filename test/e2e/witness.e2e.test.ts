import Database from 'better-sqlite3';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import { runFerry, ServerProcess, startServerProcess, startWitnessProcess } from '../support/ferry-binary';
import { removeDir, tempDir } from '../support/test-server';

jest.setTimeout(90_000);

/**
 * Witnesses with real processes: `ferry witness serve`, and `ferry serve --witness` on two copies of one
 * data folder (the same key, the same name) that then diverge, the split view a witness exists to catch.
 */
describe('witnesses, through the binary', () => {
  let work: string;
  const running: ServerProcess[] = [];
  beforeAll(() => {
    work = tempDir('ferry-witness-e2e-');
  });
  afterAll(async () => {
    for (const each of running) await each.stop();
    removeDir(work);
  });

  async function ferry(...args: string[]): Promise<string> {
    const result = await runFerry(args, { cwd: work });
    if (result.code !== 0) throw new Error(`ferry ${args.join(' ')}: ${result.code} ${result.stderr}`);
    return result.stdout;
  }

  async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function serve(dataDir: string, ...flags: string[]): Promise<ServerProcess> {
    const server = await startServerProcess(['--data', dataDir, '--checkpoint-seconds', '1', ...flags]);
    running.push(server);
    return server;
  }

  async function stop(server: ServerProcess): Promise<void> {
    expect(await server.stop()).toBe(0);
    running.splice(running.indexOf(server), 1);
  }

  async function put(server: ServerProcess, name: string, bytes: string): Promise<void> {
    writeFileSync(join(work, name), bytes);
    await ferry('put', name, '--server', server.server);
  }

  it('cosigns one log, refuses its split copy, and verify holds each to the witness', async () => {
    const logA = join(work, 'log-a');
    const logB = join(work, 'log-b');
    const keyDir = join(work, 'witness');
    const first = await serve(logA);
    await put(first, 'shared.txt', 'before the split');
    await stop(first);
    const before = join(work, 'before.note');
    writeFileSync(before, await ferry('audit', 'checkpoint', '--data', logA));
    // Two folders with one key and one name: the log's operator could show each to another auditor.
    cpSync(logA, logB, { recursive: true });
    rmSync(join(logB, 'ferry.lock'), { force: true });

    const logKey = (await ferry('audit', 'key', '--note', '--data', logA)).trim();
    const witnessKey = (
      await ferry('witness', 'key', '--key-dir', keyDir, '--name', 'witness.example/w1')
    ).trim();
    const witness = await startWitnessProcess(['--key-dir', keyDir, '--log', logKey, '--log-level', 'info']);
    running.push(witness);
    const witnessFlag = `http://${witness.server}=${witnessKey}`;

    const a = await serve(logA, '--witness', witnessFlag);
    await put(a, 'a.txt', 'only in A');
    const noteA = await until(async () => {
      const note = await ferry('audit', 'checkpoint', '--data', logA);
      const size = Number(note.split('\n')[1]);
      return note.includes('\u2014 witness.example/w1 ') && size === readEvents(logA).length
        ? note
        : undefined;
    }, "the witness's cosignature on A's newest checkpoint");
    await stop(a);

    // B does as many commands as A, with other bytes: a checkpoint of the same size with another root.
    const offline = await serve(logB);
    await put(offline, 'b.txt', 'only in B');
    await stop(offline);
    expect(readEvents(logB)).toHaveLength(readEvents(logA).length);
    const b = await serve(logB, '--witness', witnessFlag);
    const refusals = async (count: number) => {
      const found = readEvents(logB).filter((event) => event.type === 'WitnessRefused');
      return found.length >= count ? found : undefined;
    };
    const [splitView] = await until(() => refusals(1), "B's refusal");
    expect(splitView.payload).toMatchObject({ witness: 'witness.example/w1', status: 409 });
    expect(String(splitView.payload.reason)).toContain('split view');
    expect(b.output()).toContain("a witness refused the audit log's checkpoint");
    // B goes on: its later checkpoints do not extend what the witness cosigned either (a new start
    // submits at once; a running server tries a refusing witness again after a minute).
    await put(b, 'b2.txt', 'more of B');
    await stop(b);
    const again = await serve(logB, '--witness', witnessFlag);
    const [, fork] = await until(() => refusals(2), "B's second refusal");
    expect(fork.payload).toMatchObject({ status: 422 });
    await stop(again);
    expect(witness.output()).toContain(
      'a log showed a checkpoint that contradicts what this witness cosigned',
    );
    const evidence = new Database(join(keyDir, 'witness.db'), { readonly: true });
    const kept = evidence.prepare('SELECT origin, status, request FROM evidence').all() as Array<{
      origin: string;
      status: number;
      request: string;
    }>;
    evidence.close();
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept[0].status).toBe(409);
    expect(kept[0].request).toContain(noteA.split('\n')[0]);

    // A: the whole log is witnessed; B: not a single checkpoint of it is.
    const verifiedA = await runFerry(['audit', 'verify', '--data', logA, '--witness', witnessKey]);
    expect(verifiedA.code).toBe(0);
    expect(verifiedA.stdout).toMatch(
      /witnessed: events 1 to \d+, by the checkpoint of that size cosigned by witness\.example\/w1 at /,
    );
    const verifiedB = await runFerry(['audit', 'verify', '--data', logB, '--witness', witnessKey]);
    expect(verifiedB.code).not.toBe(0);
    expect(verifiedB.stderr).toContain('NOT_WITNESSED');

    // Two witnesses asked for, one cosigned: not enough.
    const secondKey = (await ferry('witness', 'key', '--key-dir', join(work, 'witness-2'))).trim();
    const both = ['--witness', witnessKey, '--witness', secondKey];
    const twoOfTwo = await runFerry(['audit', 'verify', '--data', logA, ...both, '--min-witnesses', '2']);
    expect(twoOfTwo.code).not.toBe(0);
    expect(twoOfTwo.stderr).toContain('NOT_WITNESSED');
    expect((await runFerry(['audit', 'verify', '--data', logA, ...both, '--min-witnesses', '1'])).code).toBe(
      0,
    );
    const unasked = await runFerry(['audit', 'verify', '--data', logA, '--min-witnesses', '1']);
    expect(unasked.code).not.toBe(0);
    expect(unasked.stderr).toContain('--min-witnesses needs the witnesses to trust');

    // Offline, with the public key and three files: the cosigned note extends the one kept before.
    const after = join(work, 'after.note');
    writeFileSync(after, noteA);
    const proof = join(work, 'proof.json');
    const sizeA = noteA.split('\n')[1];
    writeFileSync(
      proof,
      await ferry('audit', '--data', logA, 'prove-consistency', '--from', before, '--to', sizeA),
    );
    const publicKey = join(logA, 'audit-signing-key.pub.pem');
    const checkOffline = (...flags: string[]) =>
      runFerry(['audit', 'check-consistency', before, after, proof, '--key', publicKey, ...flags]);
    const cosigned = await checkOffline('--witness', witnessKey);
    expect(cosigned.code).toBe(0);
    expect(cosigned.stdout).toMatch(/^consistent: .*\ncosigned by witness\.example\/w1 at \d{4}-/);
    const notEnough = await checkOffline(...both, '--min-witnesses', '2');
    expect(notEnough.code).not.toBe(0);
    expect(notEnough.stderr).toContain('NOT_WITNESSED');
    const line = noteA.split('\n').find((each) => each.startsWith('\u2014 witness.example/w1 '))!;
    const flipped = line.slice(0, -5) + (line.at(-5) === 'A' ? 'B' : 'A') + line.slice(-4);
    writeFileSync(after, noteA.replace(line, flipped));
    const forged = await checkOffline('--witness', witnessKey);
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toContain('NOT_WITNESSED');

    // A cosignature edited in the database is only a claim: it no longer counts.
    const db = new Database(join(logA, 'audit.db'));
    // One base64 character of each signature changed, near its end (before "==" and the newline).
    db.prepare(
      `UPDATE checkpoint_cosignatures SET line = substr(line, 1, length(line) - 10)
         || CASE substr(line, length(line) - 9, 1) WHEN 'A' THEN 'B' ELSE 'A' END
         || substr(line, length(line) - 8)`,
    ).run();
    db.close();
    const tampered = await runFerry(['audit', 'verify', '--data', logA, '--witness', witnessKey]);
    expect(tampered.code).not.toBe(0);
    expect(tampered.stderr).toContain('NOT_WITNESSED');
  });
});
