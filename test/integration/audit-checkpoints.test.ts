import { createHash, createPublicKey, verify } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCheckpointSignature, SignedCheckpoint } from '../../src/domain/audit/checkpoint';
import { Ed25519Verifier } from '../../src/infra/crypto/ed25519-keys';
import {
  dataFolderSigningKey,
  NEXT_KEY_FILE,
  prepareNextSigningKey,
  PUBLIC_KEY_FILE,
  SIGNING_KEY_FILE,
} from '../../src/infra/crypto/signing-key-files';
import { SqliteEventLog } from '../../src/infra/sqlite/sqlite-event-log';
import { readStoredTree } from '../support/audit-db-tree';
import { eventFactory } from '../support/domain-events';

const AT = '2024-05-01T09:30:00.000Z';

describe('signed checkpoints of the audit log', () => {
  let dir: string;
  let file: string;
  const open: SqliteEventLog[] = [];

  function openLog(everyEvents = 5, everySeconds = 3600): SqliteEventLog {
    const checkpoints = { key: dataFolderSigningKey(dir), policy: { everyEvents, everySeconds } };
    const log = new SqliteEventLog({ file, now: () => AT, checkpoints });
    open.push(log);
    return log;
  }

  function storedCheckpoints(): SignedCheckpoint[] {
    return readStoredTree(file).checkpoints.map((c) => ({ ...c, root: new Uint8Array(c.root) }));
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-checkpoints-'));
    file = join(dir, 'audit.db');
  });

  afterEach(async () => {
    jest.useRealTimers();
    for (const log of open.splice(0)) await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs a checkpoint once N events are unsigned, and at close only if something is unsigned', async () => {
    const f = eventFactory();
    const log = openLog(5);
    for (let i = 0; i < 12; i++) await log.append([f.uploaded(`f${i}`, 1)]);
    expect(storedCheckpoints().map((c) => c.size)).toEqual([5, 10]);
    await log.close();
    expect(storedCheckpoints().map((c) => c.size)).toEqual([5, 10, 12]);

    await openLog(5).close();
    expect(storedCheckpoints().map((c) => c.size)).toEqual([5, 10, 12]);

    // A batch that crosses N is signed as a whole: checkpoints land on batch ends.
    const again = openLog(5);
    await again.append(Array.from({ length: 7 }, (_, i) => f.uploaded(`g${i}`, 1)));
    expect(storedCheckpoints().map((c) => c.size)).toEqual([5, 10, 12, 19]);
  });

  it('signs the tail of a quiet log when the timer fires', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const log = openLog(1000, 60);
    await log.append([eventFactory().uploaded('a', 1)]);
    jest.advanceTimersByTime(59_000);
    expect(storedCheckpoints()).toEqual([]);
    jest.advanceTimersByTime(1_000);
    expect(storedCheckpoints().map((c) => c.size)).toEqual([1]);
    jest.advanceTimersByTime(60_000);
    expect(storedCheckpoints().map((c) => c.size)).toEqual([1]);
  });

  it('signs the documented bytes with Ed25519, verifiable with node:crypto and the public key file', async () => {
    const f = eventFactory();
    const log = openLog(3);
    await log.append([f.uploaded('a', 1), f.uploaded('b', 1), f.deleted('a', 1)]);
    const [checkpoint] = storedCheckpoints();
    const publicKeyPem = readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8');
    const publicKey = createPublicKey(publicKeyPem);
    expect(publicKey.asymmetricKeyType).toBe('ed25519');

    // Re-implemented from docs/AUDIT.md alone: no Ferry code builds these bytes here.
    const root = Buffer.from(checkpoint.root).toString('hex');
    const signed =
      `{"at":"${AT}","format":"ferry-checkpoint/1","keyId":"${checkpoint.keyId}",` +
      `"root":"${root}","size":3}`;
    expect(verify(null, Buffer.from(signed, 'utf8'), publicKey, checkpoint.signature)).toBe(true);
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    expect(checkpoint.keyId).toBe(createHash('sha256').update(spki).digest('hex'));

    const verifier = new Ed25519Verifier(publicKey);
    expect(checkCheckpointSignature(verifier, checkpoint).ok).toBe(true);
    const forged = { ...checkpoint, size: 2 };
    expect(checkCheckpointSignature(verifier, forged)).toMatchObject({
      ok: false,
      failure: { code: 'SIGNATURE_INVALID' },
    });
  });

  it('creates the key once, private file mode 0600, and reuses it across restarts', async () => {
    const f = eventFactory();
    const first = openLog(1);
    await first.append([f.uploaded('a', 1)]);
    await first.close();
    const privateFile = join(dir, SIGNING_KEY_FILE);
    expect(statSync(privateFile).mode & 0o777).toBe(0o600);
    const privatePem = readFileSync(privateFile, 'utf8');
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);

    const second = openLog(1);
    await second.append([f.uploaded('b', 1)]);
    await second.close();
    expect(readFileSync(privateFile, 'utf8')).toBe(privatePem);
    const [a, b] = storedCheckpoints();
    expect(a.keyId).toBe(b.keyId);
    const verifier = new Ed25519Verifier(createPublicKey(readFileSync(join(dir, PUBLIC_KEY_FILE))));
    expect(checkCheckpointSignature(verifier, a).ok && checkCheckpointSignature(verifier, b).ok).toBe(true);
  });

  it('refuses to open a signed log whose key file is gone, and makes no new key', async () => {
    const first = openLog(1);
    await first.append([eventFactory().uploaded('a', 1)]);
    await first.close();
    const [signed] = storedCheckpoints();
    rmSync(join(dir, SIGNING_KEY_FILE));
    expect(() => openLog(1)).toThrow(
      `the audit log's newest checkpoint (of 1 events) is signed by key ${signed.keyId}, but ${join(dir, SIGNING_KEY_FILE)} is missing`,
    );
    expect(existsSync(join(dir, SIGNING_KEY_FILE))).toBe(false);
  });

  it('refuses to open a signed log with another key than the one that signed its newest checkpoint', async () => {
    const first = openLog(1);
    await first.append([eventFactory().uploaded('a', 1)]);
    await first.close();
    const other = mkdtempSync(join(tmpdir(), 'ferry-other-key-'));
    try {
      dataFolderSigningKey(other).create();
      for (const keyFile of [SIGNING_KEY_FILE, PUBLIC_KEY_FILE])
        copyFileSync(join(other, keyFile), join(dir, keyFile));
      expect(() => openLog(1)).toThrow(
        /is signed by key [0-9a-f]{64}, but .* is key [0-9a-f]{64}: put back the key that signed it/,
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('signs at once, when it opens, the events a crash left unsigned', async () => {
    const f = eventFactory();
    const crashed = openLog(1000);
    await crashed.append([f.uploaded('a', 1), f.uploaded('b', 1)]);
    // No close: as after a crash, nothing signed the two events.
    expect(storedCheckpoints()).toEqual([]);
    openLog(1000);
    expect(storedCheckpoints().map((c) => c.size)).toEqual([2]);
  });

  it('signs with the old key again when a batch holding a key change is rolled back', async () => {
    const f = eventFactory();
    const log = openLog(1000);
    await log.append([f.uploaded('a', 1)]);
    const oldKey = log.signingKeyId();
    const next = prepareNextSigningKey(dir);
    const rotation = f.make('SigningKeyRotated', {
      previousKeyId: oldKey!,
      previousPublicKey: readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8'),
      keyId: next.keyId,
      publicKey: next.publicKeyText,
    });
    log.stage(rotation);
    expect(log.signingKeyId()).toBe(next.keyId);
    // The next event of the batch cannot be written: the batch, the key change with it, is gone.
    expect(() => log.stage({ ...f.uploaded('b', 1), seq: 99 })).toThrow(/does not follow/);
    expect(log.signingKeyId()).toBe(oldKey);
    await log.append([{ ...f.uploaded('c', 1), seq: 2 }]);
    await log.close();
    expect(storedCheckpoints().map((c) => [c.size, c.keyId])).toEqual([[2, oldKey]]);
  });

  it('keeps the new key when a savepoint inside the batch holding the key change is rolled back, and reads no key file', async () => {
    const f = eventFactory();
    const log = openLog(1000);
    await log.append([f.uploaded('a', 1)]);
    const oldKey = log.signingKeyId()!;
    const next = prepareNextSigningKey(dir);
    log.stage(
      f.make('SigningKeyRotated', {
        previousKeyId: oldKey,
        previousPublicKey: readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8'),
        keyId: next.keyId,
        publicKey: next.publicKeyText,
      }),
    );
    // As after a failed timed checkpoint, whose savepoint is rolled back while the batch stays open; the
    // key files gone show that nothing reads them on the way.
    for (const file of [SIGNING_KEY_FILE, NEXT_KEY_FILE]) rmSync(join(dir, file));
    (log as unknown as { forgetRolledBack(): void }).forgetRolledBack();
    expect(log.signingKeyId()).toBe(next.keyId);
    await log.commit();
    await log.append([{ ...f.uploaded('b', 1), seq: 3 }]);
    await log.close();
    expect(storedCheckpoints().map((c) => [c.size, c.keyId])).toEqual([
      [2, oldKey],
      [3, next.keyId],
    ]);
  });

  it('loads the key beside a public half cut short while a rotation wrote it (empty), and drops that', () => {
    const key = dataFolderSigningKey(dir).create();
    writeFileSync(join(dir, `${PUBLIC_KEY_FILE}.next`), '');
    expect(dataFolderSigningKey(dir).existing()?.keyId).toBe(key.keyId);
    expect(existsSync(join(dir, `${PUBLIC_KEY_FILE}.next`))).toBe(false);
  });

  it("refuses to start with a public key file that is not the private key's other half", () => {
    dataFolderSigningKey(dir).create();
    const other = mkdtempSync(join(tmpdir(), 'ferry-other-key-'));
    try {
      dataFolderSigningKey(other).create();
      copyFileSync(join(other, PUBLIC_KEY_FILE), join(dir, PUBLIC_KEY_FILE));
      expect(() => dataFolderSigningKey(dir).existing()).toThrow(/not the public half/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
