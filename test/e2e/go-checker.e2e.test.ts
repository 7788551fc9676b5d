import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFerry, startServerProcess } from '../support/ferry-binary';
import { removeDir, tempDir } from '../support/test-server';

/**
 * Ferry's checkpoints and proofs, checked by code nobody here wrote: a small Go program built from Debian's
 * golang.org/x/mod/sumdb/note (C2SP signed notes) and sumdb/tlog (RFC 6962 proofs). Skipped, saying so,
 * where Go and those packages are not installed (`apt-get install golang-go golang-golang-x-mod-dev`).
 */
const SOURCE = join(__dirname, '..', 'support', 'go-checker', 'checker.go');
const GOPATH = '/usr/share/gocode';

function buildChecker(into: string): string | undefined {
  const binary = join(into, 'checker');
  const built = spawnSync('go', ['build', '-o', binary, SOURCE], {
    cwd: into,
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: join(into, 'cache'), GOFLAGS: '' },
    encoding: 'utf8',
  });
  return built.status === 0 ? binary : undefined;
}

const goFound = spawnSync('go', ['version']).status === 0;
if (!goFound)
  process.stderr.write('go-checker: Go is not installed (golang-go, golang-golang-x-mod-dev): skipped\n');
const describeWithGo = goFound ? describe : describe.skip;

/** The first, a middle and the last of `sizes`: each CLI run costs half a second. */
function spread(sizes: readonly number[]): number[] {
  return [...new Set([sizes[0], sizes[Math.floor(sizes.length / 2)], sizes[sizes.length - 1]])];
}

/** Flips the lowest bit of the hex digit at `index`: still lowercase hex, another value. */
function flipHex(text: string, index: number): string {
  const digit = (parseInt(text[index], 16) ^ 1).toString(16);
  return `${text.slice(0, index)}${digit}${text.slice(index + 1)}`;
}

/** Changes the character at `index` to another of the same alphabet (base64, hex or text). */
function flip(text: string, index: number): string {
  const swapped = text[index] === 'A' ? 'B' : text[index] === '0' ? '1' : text[index] === 'a' ? 'b' : 'A';
  return `${text.slice(0, index)}${swapped}${text.slice(index + 1)}`;
}

describeWithGo("a checker built from Go's sumdb packages", () => {
  let work: string;
  let dataDir: string;
  let checker: string;
  let key: string;
  let sizes: number[];

  beforeAll(async () => {
    work = tempDir('ferry-go-');
    dataDir = join(work, 'data');
    const built = buildChecker(work);
    if (built === undefined)
      throw new Error('the Go checker does not build: is golang-golang-x-mod-dev installed?');
    checker = built;
    // Checkpoints every 4 events: several sizes to hold each other to.
    for (let round = 0; round < 3; round++) {
      const server = await startServerProcess([
        '--data',
        dataDir,
        '--log-level',
        'error',
        '--checkpoint-events',
        '4',
      ]);
      for (let file = 0; file < 3; file++) {
        writeFileSync(join(work, 'f.txt'), `round ${round} file ${file}`);
        expect(
          (await runFerry(['put', 'f.txt', `f${file}.txt`, '--server', server.server], { cwd: work })).code,
        ).toBe(0);
      }
      expect(await server.stop()).toBe(0);
    }
    const db = new Database(join(dataDir, 'audit.db'), { readonly: true });
    sizes = db
      .prepare('SELECT tree_size FROM checkpoints WHERE origin IS NOT NULL ORDER BY tree_size')
      .pluck()
      .all() as number[];
    db.close();
    key = (await runFerry(['audit', 'key', '--note', '--data', dataDir])).stdout.trim();
  }, 120_000);

  afterAll(() => removeDir(work));

  const check = (...args: string[]) => spawnSync(checker, [key, ...args], { encoding: 'utf8' });

  async function saveNote(size: number): Promise<string> {
    const file = join(work, `checkpoint-${size}.note`);
    const printed = await runFerry(['audit', 'checkpoint', '--size', String(size), '--data', dataDir]);
    expect(printed.code).toBe(0);
    writeFileSync(file, printed.stdout);
    return file;
  }

  it('opens checkpoint notes of several sizes with the verifier key, and refuses one with a flipped bit', async () => {
    expect(sizes.length).toBeGreaterThanOrEqual(4);
    for (const size of spread(sizes)) {
      const note = await saveNote(size);
      expect(check(note, 'consistency', note, '').stdout.trim()).toBe('ok');
    }
    const note = await saveNote(sizes[sizes.length - 1]);
    const text = readFileSync(note, 'utf8');
    // A witness's cosignature line after the log's (as `audit checkpoint` prints them): Go's note package
    // does not know the witness's key and leaves the line aside.
    const cosignature = `\u2014 witness.example/w1 ${Buffer.alloc(76, 7).toString('base64')}\n`;
    writeFileSync(note, text + cosignature);
    expect(check(note, 'consistency', note, '').stdout.trim()).toBe('ok');
    const signatureAt = text.lastIndexOf(' ') + 10;
    writeFileSync(note, flip(text, signatureAt));
    const refused = check(note, 'consistency', note, '');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/note .*: (invalid signature|verification failure|malformed)/i);
  });

  it('accepts the inclusion proofs Ferry prints, and refuses a flipped bit in the proof or the record', async () => {
    const newest = sizes[sizes.length - 1];
    const note = await saveNote(newest);
    for (const seq of [1, Math.ceil(newest / 2), newest]) {
      const proven = await runFerry([
        'audit',
        'prove',
        String(seq),
        '--size',
        String(newest),
        '--data',
        dataDir,
      ]);
      expect(proven.code).toBe(0);
      const proof = JSON.parse(proven.stdout) as {
        record: string;
        leafIndex: number;
        inclusionProof: string[];
      };
      const record = join(work, `record-${seq}`);
      writeFileSync(record, proof.record);
      const hashes = proof.inclusionProof.join(',');
      expect(check(note, 'inclusion', record, String(proof.leafIndex), hashes).stdout.trim()).toBe('ok');
      if (hashes !== '')
        expect(check(note, 'inclusion', record, String(proof.leafIndex), flip(hashes, 5)).status).toBe(1);
      writeFileSync(record, flip(proof.record, 3));
      expect(check(note, 'inclusion', record, String(proof.leafIndex), hashes).status).toBe(1);
    }
  });

  it('accepts the consistency proofs Ferry prints between checkpoints of several sizes, and refuses a flipped bit', async () => {
    const newest = sizes[sizes.length - 1];
    const newNote = await saveNote(newest);
    const publicKey = join(dataDir, 'audit-signing-key.pub.pem');
    for (const size of spread(sizes.slice(0, -1))) {
      const oldNote = await saveNote(size);
      const proven = await runFerry([
        'audit',
        'prove-consistency',
        '--from',
        oldNote,
        '--to',
        String(newest),
        '--data',
        dataDir,
      ]);
      expect(proven.code).toBe(0);
      const document = JSON.parse(proven.stdout) as { oldSize: number; newSize: number; proof: string[] };
      expect([document.oldSize, document.newSize]).toEqual([size, newest]);
      const hashes = document.proof.join(',');
      expect(check(newNote, 'consistency', oldNote, hashes).stdout.trim()).toBe('ok');
      // Ferry's own offline check agrees, with the public key and the three files alone.
      const proofFile = join(work, `proof-${size}.json`);
      writeFileSync(proofFile, proven.stdout);
      const checkOffline = () =>
        runFerry(['audit', 'check-consistency', oldNote, newNote, proofFile, '--key', publicKey]);
      const offline = await checkOffline();
      expect(offline).toMatchObject({
        code: 0,
        stdout: `consistent: the log of ${newest} events extends the log of ${size} events\n`,
      });

      if (hashes === '') continue;
      expect(check(newNote, 'consistency', oldNote, flipHex(hashes, 7)).status).toBe(1);
      writeFileSync(proofFile, JSON.stringify({ ...document, proof: flipHex(hashes, 7).split(',') }));
      const refused = await checkOffline();
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('(INCONSISTENT)');
    }
  });
});
