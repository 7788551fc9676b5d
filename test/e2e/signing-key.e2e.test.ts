import Database from 'better-sqlite3';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../../src/domain/audit/canonical-json';
import { signCheckpoint } from '../../src/domain/audit/checkpoint';
import { Ed25519Signer } from '../../src/infra/crypto/ed25519-keys';
import { readEvents } from '../support/audit-db';
import { naiveRoot, readStoredTree } from '../support/audit-db-tree';
import { appendForged, tamper, verify } from '../support/audited-data-folder';
import { runFerry, startServerProcess } from '../support/ferry-binary';
import { removeDir, tempDir } from '../support/test-server';

/**
 * The checkpoint key of a data folder whose log is signed cannot change behind the log's back: a server
 * refuses to start without the key that signed the newest checkpoint, and says how to recover.
 */
describe('ferry serve and the signing key of a signed log', () => {
  let dataDir: string;
  let work: string;
  beforeEach(async () => {
    dataDir = tempDir();
    work = tempDir('ferry-key-work-');
    const server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    writeFileSync(join(work, 'a.txt'), 'signed history');
    expect((await runFerry(['put', 'a.txt', '--server', server.server], { cwd: work })).code).toBe(0);
    // The clean stop signs a checkpoint over everything.
    expect(await server.stop()).toBe(0);
  });
  afterEach(() => {
    removeDir(dataDir);
    removeDir(work);
  });

  const serve = () => runFerry(['serve', '--port', '0', '--data', dataDir, '--log-level', 'error']);

  it('refuses to start when the key file is gone, makes no new key, and starts once it is back', async () => {
    const key = join(dataDir, 'audit-signing-key.pem');
    renameSync(key, join(work, 'kept-key.pem'));
    const refused = await serve();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /newest checkpoint \(of \d+ events\) is signed by key [0-9a-f]{64}, but .*audit-signing-key\.pem is missing: put back that key file/,
    );
    expect(existsSync(key)).toBe(false);

    copyFileSync(join(work, 'kept-key.pem'), key);
    const server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    expect(await server.stop()).toBe(0);
    expect((await verify(dataDir)).json.ok).toBe(true);
  });

  it('refuses to start with another key in place of the one that signed', async () => {
    const other = join(work, 'other');
    mkdirSync(other);
    const made = await startServerProcess(['--data', other, '--log-level', 'error']);
    expect(await made.stop()).toBe(0);
    for (const file of ['audit-signing-key.pem', 'audit-signing-key.pub.pem']) {
      copyFileSync(join(other, file), join(dataDir, file));
    }
    const refused = await serve();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /but .*audit-signing-key\.pem is key [0-9a-f]{64}: put back the key that signed it/,
    );
  });
});

describe('ferry audit rotate-key', () => {
  let dataDir: string;
  let work: string;
  beforeEach(async () => {
    dataDir = tempDir();
    work = tempDir('ferry-rotate-');
    await serveAndUpload(dataDir, work, 'before.txt');
    copyFileSync(join(dataDir, 'audit-signing-key.pub.pem'), join(work, 'old.pub.pem'));
    copyFileSync(join(dataDir, 'audit-signing-key.pem'), join(work, 'old.pem'));
  });
  afterEach(() => {
    removeDir(dataDir);
    removeDir(work);
  });

  it('introduces a new key in the log, signed by the old one; verify follows the chain from either key', async () => {
    const rotated = await runFerry(['audit', 'rotate-key', '--data', dataDir]);
    expect(rotated.code).toBe(0);
    const seq = Number(/in event (\d+):/.exec(rotated.stdout)?.[1]);
    const [oldId, newId] = /: ([0-9a-f]{64}) signed the change to ([0-9a-f]{64})/
      .exec(rotated.stdout)!
      .slice(1);
    await serveAndUpload(dataDir, work, 'after.txt');

    const signers = checkpointSigners(dataDir);
    expect(signers.filter(([size]) => size <= seq).every(([, key]) => key === oldId)).toBe(true);
    expect(signers.find(([size]) => size === seq)).toEqual([seq, oldId]);
    expect(signers.filter(([size]) => size > seq).map(([, key]) => key)).toEqual([newId]);

    expect((await verify(dataDir)).json.ok).toBe(true);
    expect((await verify(dataDir, '--key', join(work, 'old.pub.pem'))).json.ok).toBe(true);
    const all = await runFerry(['audit', 'key', '--all', '--data', dataDir]);
    expect(all.stdout.match(/^# key [0-9a-f]{64}: .*$/gm)).toEqual([
      `# key ${oldId}: the first key`,
      `# key ${newId}: from event ${seq}`,
    ]);
  });

  it('rotates over the wire for an admin while the server serves, and refuses anyone else', async () => {
    const password = 'correct horse battery staple';
    for (const [user, role] of [
      ['root', 'admin'],
      ['writer', 'write'],
    ]) {
      const added = await runFerry(
        ['user', 'add', user, '--role', role, '--password-stdin', '--data', dataDir],
        { input: `${password}\n` },
      );
      expect(added.code).toBe(0);
    }
    const server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
    const as = (user: string, ...args: string[]) =>
      runFerry([...args, '--server', server.server, '--user', user], {
        cwd: work,
        env: { FERRY_PASSWORD: password },
      });
    const both = await as('root', 'audit', 'rotate-key', '--data', dataDir);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give one');
    const refused = await as('writer', 'audit', 'rotate-key');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('(FORBIDDEN)');
    const rotated = await as('root', 'audit', 'rotate-key');
    expect(rotated.code).toBe(0);
    const seq = Number(/in event (\d+):/.exec(rotated.stdout)?.[1]);
    const [oldId, newId] = /: ([0-9a-f]{64}) signed the change to ([0-9a-f]{64})/
      .exec(rotated.stdout)!
      .slice(1);
    // The server goes on serving, and signing with the new key.
    writeFileSync(join(work, 'after.txt'), 'after the change');
    expect((await as('root', 'put', 'after.txt')).code).toBe(0);
    expect(await server.stop()).toBe(0);

    const events = readEvents(dataDir);
    expect(events.find((event) => event.seq === seq)).toMatchObject({
      type: 'SigningKeyRotated',
      actor: 'root',
      payload: { previousKeyId: oldId, keyId: newId },
    });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'CommandRejected',
        actor: 'writer',
        payload: expect.objectContaining({ command: 'ROTATE-KEY', code: 'FORBIDDEN' }),
      }),
    );
    const signers = checkpointSigners(dataDir);
    expect(signers.find(([size]) => size === seq)).toEqual([seq, oldId]);
    expect(signers.filter(([size]) => size > seq).every(([, key]) => key === newId)).toBe(true);
    expect(signers.some(([size]) => size > seq)).toBe(true);
    expect(existsSync(join(dataDir, 'audit-signing-key.next.pem'))).toBe(false);
    expect((await verify(dataDir)).json.ok).toBe(true);
    expect((await verify(dataDir, '--key', join(work, 'old.pub.pem'))).json.ok).toBe(true);
  });

  it('finishes a rotation cut short after the log recorded it, at the next start', async () => {
    expect((await runFerry(['audit', 'rotate-key', '--data', dataDir])).code).toBe(0);
    // As if the process died before the new key took the old one's place.
    renameSync(join(dataDir, 'audit-signing-key.pem'), join(dataDir, 'audit-signing-key.next.pem'));
    copyFileSync(join(work, 'old.pem'), join(dataDir, 'audit-signing-key.pem'));
    copyFileSync(join(work, 'old.pub.pem'), join(dataDir, 'audit-signing-key.pub.pem'));
    await serveAndUpload(dataDir, work, 'after.txt');
    expect(existsSync(join(dataDir, 'audit-signing-key.next.pem'))).toBe(false);
    expect((await verify(dataDir, '--key', join(work, 'old.pub.pem'))).json.ok).toBe(true);
  });

  it('finishes a rotation cut between the private key and its public half, at the next start', async () => {
    expect((await runFerry(['audit', 'rotate-key', '--data', dataDir])).code).toBe(0);
    const publicPath = join(dataDir, 'audit-signing-key.pub.pem');
    renameSync(publicPath, `${publicPath}.next`);
    copyFileSync(join(work, 'old.pub.pem'), publicPath);
    await serveAndUpload(dataDir, work, 'after.txt');
    expect(existsSync(`${publicPath}.next`)).toBe(false);
    expect((await verify(dataDir)).json.ok).toBe(true);
  });

  it('keeps the new key of a rotation cut short when rotate-key runs again, and rotates on from it', async () => {
    const first = await runFerry(['audit', 'rotate-key', '--data', dataDir]);
    const newId = /signed the change to ([0-9a-f]{64})/.exec(first.stdout)![1];
    renameSync(join(dataDir, 'audit-signing-key.pem'), join(dataDir, 'audit-signing-key.next.pem'));
    copyFileSync(join(work, 'old.pem'), join(dataDir, 'audit-signing-key.pem'));
    copyFileSync(join(work, 'old.pub.pem'), join(dataDir, 'audit-signing-key.pub.pem'));
    const again = await runFerry(['audit', 'rotate-key', '--data', dataDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`: ${newId} signed the change to [0-9a-f]{64}`));
    await serveAndUpload(dataDir, work, 'after.txt');
    expect((await verify(dataDir, '--key', join(work, 'old.pub.pem'))).json.ok).toBe(true);
  });

  it('refuses a key change the old key did not sign', async () => {
    const forger = generateKeyPairSync('ed25519').privateKey;
    const forgedPublic = createPublicKey(forger).export({ type: 'spki', format: 'pem' }).toString();
    const oldPublic = readFileSync(join(work, 'old.pub.pem'), 'utf8');
    const events = readEvents(dataDir);
    const last = events[events.length - 1];
    const forgedId = createHash('sha256')
      .update(createPublicKey(forger).export({ type: 'spki', format: 'der' }))
      .digest('hex');
    const oldId = createHash('sha256')
      .update(createPublicKey(oldPublic).export({ type: 'spki', format: 'der' }))
      .digest('hex');
    const record = canonicalJson({
      actor: 'local:mallory',
      at: last.at,
      id: 'forged',
      payload: {
        keyId: forgedId,
        previousKeyId: oldId,
        previousPublicKey: oldPublic,
        publicKey: forgedPublic,
      },
      remote: 'local',
      seq: last.seq + 1,
      session: 'forged',
      type: 'SigningKeyRotated',
    });
    appendForged(dataDir, [record]);
    // The forger signs the checkpoint that should prove the change, with the only key they have.
    const origin = (readEvents(dataDir)[0].payload as { origin: string }).origin;
    const records = readStoredTree(join(dataDir, 'audit.db')).records;
    expect(records).toHaveLength(last.seq + 1);
    const root = naiveRoot(records);
    const forged = signCheckpoint(
      new Ed25519Signer(forger),
      { size: last.seq + 1, root, at: last.at },
      origin,
    );
    tamper(
      dataDir,
      'INSERT INTO checkpoints (tree_size, root, at, key_id, signature, origin) VALUES (?, ?, ?, ?, ?, ?)',
      [forged.size, Buffer.from(forged.root), forged.at, forged.keyId, Buffer.from(forged.signature), origin],
    );
    const verdict = await verify(dataDir, '--key', join(work, 'old.pub.pem'));
    expect(verdict.json).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    expect(verdict.json.message).toContain(`names key ${forgedId}, not key ${oldId}`);
  });
});

async function serveAndUpload(dataDir: string, work: string, name: string): Promise<void> {
  const server = await startServerProcess(['--data', dataDir, '--log-level', 'error']);
  writeFileSync(join(work, name), `bytes of ${name}`);
  expect((await runFerry(['put', name, '--server', server.server], { cwd: work })).code).toBe(0);
  expect(await server.stop()).toBe(0);
}

function checkpointSigners(dataDir: string): Array<[number, string]> {
  const db = new Database(join(dataDir, 'audit.db'), { readonly: true });
  try {
    return db.prepare('SELECT tree_size, key_id FROM checkpoints ORDER BY tree_size').raw().all() as Array<
      [number, string]
    >;
  } finally {
    db.close();
  }
}
