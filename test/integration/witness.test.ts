import Database from 'better-sqlite3';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import { AddressInfo } from 'node:net';
import { startApplication } from '../../src/app/composition-root';
import { DEFAULT_CONFIG, FerryConfig } from '../../src/app/config';
import { checkpointNoteText } from '../../src/domain/audit/checkpoint';
import { checkCosignature } from '../../src/domain/audit/cosignature';
import { parseSignatureLines, verifierKey } from '../../src/domain/audit/signed-note';
import { readWitnessVerifierKey } from '../../src/infra/crypto/verifier-keys';
import { sha256 } from '../../src/infra/crypto/sha256';
import { readDataFolderPublicKey } from '../../src/infra/crypto/signing-key-files';
import { SqliteAuditReader } from '../../src/infra/sqlite/sqlite-audit-reader';
import { SqliteWitnessState } from '../../src/infra/sqlite/sqlite-witness-state';
import { readEvents } from '../support/audit-db';
import { LogLine, recordingLogger } from '../support/recording-logger';
import { removeDir, startTestServer, tempDir, TestServer } from '../support/test-server';
import { startTestWitness, TestWitness } from '../support/test-witness';
import { cheapPasswordHasher } from '../support/test-server';
import { silentLogger } from '../support/silent-logger';
import { chunksOf } from '../support/streams';

jest.setTimeout(30_000);

const FAST = { pollMs: 50, maxRetryMs: 300 };

/** A log's data folder made (key, name) by one start and stop; its verifier key, as `audit key --note`. */
async function preparedLog(dataDir: string): Promise<string> {
  const config: FerryConfig = { ...DEFAULT_CONFIG, port: 0, dataDir };
  const app = await startApplication(config, { logger: silentLogger, passwordHasher: cheapPasswordHasher });
  const origin = (readEvents(dataDir).find((event) => event.type === 'LogNamed')?.payload.origin ??
    '') as string;
  await app.close();
  const key = readDataFolderPublicKey(dataDir);
  if (!key.ok || key.value === undefined) throw new Error('no key');
  return verifierKey(sha256, origin, key.value.rawPublicKey);
}

function logWith(dataDir: string, witnesses: string[], lines: LogLine[] = []): Promise<TestServer> {
  return startTestServer({
    dataDir,
    config: { checkpointEvents: 1, witnesses, witnessing: FAST },
    overrides: { logger: recordingLogger((line) => lines.push(line)) },
  });
}

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The newest checkpoint's size and the cosignature lines stored for it, read as `ferry audit` reads. */
function stored(dataDir: string): { size: number; lines: string[]; text: string } {
  const reader = SqliteAuditReader.open(`${dataDir}/audit.db`);
  if (!reader.ok) throw new Error(reader.failure.message);
  try {
    const latest = reader.value.latestCheckpoint()!;
    return {
      size: latest.size,
      lines: reader.value.cosignaturesOf(latest.size).map((each) => each.line),
      text: checkpointNoteText(latest.origin!, latest),
    };
  } finally {
    reader.value.close();
  }
}

async function upload(server: TestServer, name: string): Promise<void> {
  const client = await server.connect();
  try {
    const bytes = Buffer.from(`bytes of ${name}`);
    await client.upload(name, chunksOf(bytes), bytes.length);
  } finally {
    await client.logout();
  }
}

describe('a log and its witness, over HTTP on loopback', () => {
  let dataDir: string;
  let keyDir: string;
  let logKey: string;
  const running: Array<{ stop(): Promise<void> }> = [];
  beforeEach(async () => {
    dataDir = tempDir();
    keyDir = tempDir('ferry-witness-');
    logKey = await preparedLog(dataDir);
  });
  afterEach(async () => {
    for (const each of running.splice(0).reverse()) await each.stop();
    removeDir(dataDir);
    removeDir(keyDir);
  });

  /** A witness that answers whatever the test says, stopped after the test; its URL. */
  async function fake(answer: () => { status: number; body: string }): Promise<string> {
    const server = await fakeWitness(answer);
    running.push({ stop: () => new Promise((resolve) => server.close(() => resolve())) });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const firstRefusal = () => readEvents(dataDir).find((event) => event.type === 'WitnessRefused');

  async function witness(logs = [logKey], port?: number): Promise<TestWitness> {
    const started = await startTestWitness(keyDir, logs, port === undefined ? {} : { port });
    running.push(started);
    return started;
  }

  it('gets every new checkpoint cosigned, and keeps the cosignatures beside it', async () => {
    const w = await witness();
    const server = await logWith(dataDir, [`${w.url}=${w.app.verifierKey}`]);
    running.push(server);
    for (const name of ['a', 'b', 'c']) await upload(server, name);
    const trusted = readWitnessVerifierKey(w.app.verifierKey)!;
    const cosigned = await until(() => {
      const now = stored(dataDir);
      return now.lines.length > 0 && now.size >= 9 ? now : undefined;
    }, 'a cosignature of the newest checkpoint');
    const [signature] = parseSignatureLines(cosigned.lines.join(''))!;
    expect(checkCosignature(sha256, trusted, cosigned.text, signature)).toMatchObject({
      witness: trusted.name,
    });
    expect(readEvents(dataDir).some((event) => event.type === 'WitnessRefused')).toBe(false);
  });

  it('asks the witness afresh when kept cosignatures name checkpoints the log does not have', async () => {
    const w = await witness();
    const db = new Database(join(dataDir, 'audit.db'));
    db.prepare('INSERT INTO checkpoint_cosignatures (tree_size, witness, line, at) VALUES (?, ?, ?, ?)').run(
      999_999,
      w.app.name,
      'not a cosignature\n',
      '',
    );
    db.close();
    const lines: LogLine[] = [];
    const server = await logWith(dataDir, [`${w.url}=${w.app.verifierKey}`], lines);
    running.push(server);
    await upload(server, 'a');
    await until(() => (stored(dataDir).lines.length > 0 ? true : undefined), 'a cosignature');
    expect(lines.some((line) => line.message.includes('beyond the newest'))).toBe(true);
  });

  it('keeps serving while its witness is down, and gets cosigned once the witness is back', async () => {
    const reserved = await freePort();
    const lines: LogLine[] = [];
    const first = await witness();
    const key = first.app.verifierKey;
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const server = await logWith(dataDir, [`http://127.0.0.1:${reserved}=${key}`], lines);
    running.push(server);
    await upload(server, 'while-down');
    await until(
      () => (lines.some((line) => line.message.includes('cannot be reached')) ? true : undefined),
      'a warning',
    );
    expect(stored(dataDir).lines).toEqual([]);
    await witness([logKey], reserved);
    await upload(server, 'after');
    await until(
      () => (stored(dataDir).lines.length > 0 ? true : undefined),
      'a cosignature after the witness came back',
    );
    expect(lines.filter((line) => line.message.includes('cannot be reached'))).toHaveLength(1);
  });

  it('records a witness that refuses (it does not know this log) once, however often it is retried', async () => {
    const other = await preparedLog(tempDir());
    const w = await witness([other]);
    const lines: LogLine[] = [];
    const server = await logWith(dataDir, [`${w.url}=${w.app.verifierKey}`], lines);
    running.push(server);
    await until(
      () =>
        lines.filter((line) => line.level === 'error' && line.message.includes('refused')).length >= 3
          ? true
          : undefined,
      'three refusals',
    );
    const refused = readEvents(dataDir).filter((event) => event.type === 'WitnessRefused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      actor: 'system:ferry',
      payload: { witness: w.app.name, url: w.url, status: 404 },
    });
    expect(String(refused[0].payload.reason)).toMatch(/no log named ferry\/[0-9a-f]{16} is known here/);
  });

  it('refuses an answer that carries no valid cosignature of the witness, and treats 5xx as down', async () => {
    const w = await witness();
    const key = w.app.verifierKey;
    let answer = { status: 200, body: `\u2014 ${w.app.name} ${Buffer.alloc(76).toString('base64')}\n` };
    const url = await fake(() => answer);
    const lines: LogLine[] = [];
    const server = await logWith(dataDir, [`${url}=${key}`], lines);
    running.push(server);
    const refused = await until(firstRefusal, 'a refusal');
    expect(refused.payload).toMatchObject({
      status: 200,
      reason: `the answer carries no valid cosignature by ${w.app.name}`,
    });
    expect(stored(dataDir).lines).toEqual([]);
    answer = { status: 503, body: 'busy\n' };
    await until(
      () => (lines.some((line) => line.message.includes('cannot be reached')) ? true : undefined),
      'down',
    );
    expect(readEvents(dataDir).filter((event) => event.type === 'WitnessRefused')).toHaveLength(1);
  });

  it('follows a key change made while serving: refused by a witness that knows only the old key, then cosigned', async () => {
    const w = await witness();
    const server = await logWith(dataDir, [`${w.url}=${w.app.verifierKey}`]);
    running.push(server);
    await until(() => (stored(dataDir).lines.length > 0 ? true : undefined), 'a first cosignature');
    const rotated = await server.app.handlers.rotateKey.execute({
      actor: 'local:test',
      session: 's',
      remote: 'local',
    });
    if (!rotated.ok) throw new Error(rotated.error.message);
    // The checkpoint of the change itself is the old key's: a witness that knows only that key cosigns it.
    await until(() => {
      const now = stored(dataDir);
      return now.size === rotated.value.seq && now.lines.length > 0 ? true : undefined;
    }, 'a cosignature of the checkpoint that proves the change');
    await upload(server, 'after-the-change');
    const refused = await until(firstRefusal, 'a refusal');
    expect(refused.payload).toMatchObject({ status: 403 });
    // The witness's operator adds the log's new key beside the old one.
    const origin = logKey.split('+')[0];
    const newKey = readDataFolderPublicKey(dataDir);
    if (!newKey.ok || newKey.value?.keyId !== rotated.value.payload.keyId) throw new Error('not the new key');
    await w.stop();
    running.splice(running.indexOf(w), 1);
    await witness([logKey, verifierKey(sha256, origin, newKey.value.rawPublicKey)], w.port);
    await upload(server, 'after-the-witness-knows');
    const cosigned = await until(() => {
      const now = stored(dataDir);
      return now.lines.length > 0 && now.size > rotated.value.seq ? now : undefined;
    }, 'a cosignature of a checkpoint signed by the new key');
    const [signature] = parseSignatureLines(cosigned.lines.join(''))!;
    expect(
      checkCosignature(sha256, readWitnessVerifierKey(w.app.verifierKey)!, cosigned.text, signature),
    ).toBeDefined();
  });

  it('records a refusal once per kind however its words change, whole visible characters only, and serves on', async () => {
    const w = await witness();
    let count = 0;
    // 199 characters, then one outside the BMP: a cut by UTF-16 units would split it.
    const url = await fake(() => ({
      status: count++ % 3 === 2 ? 400 : 422,
      body: `\u202E${'x'.repeat(199)}\u{1F600} refusal number ${count}\u0007\n`,
    }));
    const server = await logWith(dataDir, [`${url}=${w.app.verifierKey}`], []);
    running.push(server);
    for (const name of ['a', 'b', 'c', 'd']) await upload(server, name);
    await until(() => (count >= 4 ? true : undefined), 'four submissions');
    await upload(server, 'still-serving');
    const refused = readEvents(dataDir).filter((event) => event.type === 'WitnessRefused');
    expect(refused.map((event) => event.payload.status).sort()).toEqual([400, 422]);
    for (const event of refused) {
      const reason = String(event.payload.reason);
      expect(reason).toBe(`HTTP ${String(event.payload.status)}: ${'x'.repeat(199)}\u{1F600}`);
    }
  });

  it('refuses a witness that has cosigned more of this log than it has (a log restored from an old copy)', async () => {
    const w = await witness();
    const url = await fake(() => ({ status: 409, body: '1000000\n' }));
    const server = await logWith(dataDir, [`${url}=${w.app.verifierKey}`]);
    running.push(server);
    const refused = await until(firstRefusal, 'a refusal');
    expect(refused.payload).toMatchObject({
      status: 409,
      reason: "the witness has cosigned a checkpoint of size 1000000, larger than this log's",
    });
  });

  it('refuses a --witness that is not <url>=<witness verifier key> before opening anything', async () => {
    const key = (await witness()).app.verifierKey;
    await expect(logWith(dataDir, ['http://127.0.0.1:1'])).rejects.toThrow(
      /not <url>=<witness verifier key>/,
    );
    await expect(logWith(dataDir, [`ftp://x=${key}`])).rejects.toThrow(/not an http/);
    // The log's own key is no witness key.
    await expect(logWith(dataDir, [`http://127.0.0.1:1=${logKey}`])).rejects.toThrow(/witness verifier key/);
    await expect(
      logWith(dataDir, [`http://127.0.0.1:1=${key}`, `http://127.0.0.1:2=${key}`]),
    ).rejects.toThrow(/is named twice/);
  });
});

describe('the witness over HTTP', () => {
  let keyDir: string;
  let w: TestWitness;
  let logDir: string;
  let logKey: string;
  beforeEach(async () => {
    keyDir = tempDir('ferry-witness-');
    logDir = tempDir();
    logKey = await preparedLog(logDir);
    w = await startTestWitness(keyDir, [logKey], { name: 'witness.example/w1' });
  });
  afterEach(async () => {
    await w.stop();
    removeDir(keyDir);
    removeDir(logDir);
  });

  function post(body: string, path = '/add-checkpoint', method = 'POST'): Promise<Response> {
    return fetch(`${w.url}${path}`, { method, ...(method === 'POST' ? { body } : {}) });
  }

  async function firstRequest(): Promise<string> {
    const reader = SqliteAuditReader.open(`${logDir}/audit.db`);
    if (!reader.ok) throw new Error('no log');
    const latest = reader.value.latestCheckpoint()!;
    reader.value.close();
    const key = readDataFolderPublicKey(logDir);
    if (!key.ok) throw new Error('no key');
    const { checkpointNote } = await import('../../src/domain/audit/checkpoint-note');
    return `old 0\n\n${checkpointNote(sha256, latest, key.value!.rawPublicKey)}`;
  }

  it('answers 200 with its cosignature, then 409 text/x.tlog.size to the same old size, and remembers it after a restart', async () => {
    const body = await firstRequest();
    const cosigned = await post(body);
    expect(cosigned.status).toBe(200);
    const line = await cosigned.text();
    expect(line).toMatch(/^\u2014 witness\.example\/w1 [A-Za-z0-9+/]{102}==\n$/);
    const again = await post(body);
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('text/x.tlog.size');
    const size = await again.text();
    expect(size).toMatch(/^[1-9]\d*\n$/);
    await w.stop();
    w = await startTestWitness(keyDir, [logKey]);
    const afterRestart = await post(body);
    expect(afterRestart.status).toBe(409);
    expect(await afterRestart.text()).toBe(size);
    // Its name was given once, and stays.
    expect(w.app.name).toBe('witness.example/w1');
  });

  it.each([
    ['a GET', '/add-checkpoint', 'GET', 405],
    ['another path', '/checkpoint', 'POST', 404],
  ])('refuses %s', async (_, path, method, status) => {
    expect((await post('x', path, method)).status).toBe(status);
  });

  it('refuses a body that is not a request (400) and one over 16 KiB unread (413)', async () => {
    const bad = await post('old zero\n\nnote\n');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('"old <size>"');
    expect((await post('x'.repeat(17 * 1024))).status).toBe(413);
  });

  it('refuses to run a key whose state is lost, or a state of another key', async () => {
    await w.stop();
    const state = join(keyDir, 'witness.db');
    const kept = readFileSync(state);
    rmSync(state);
    for (const suffix of ['-wal', '-shm']) rmSync(`${state}${suffix}`, { force: true });
    await expect(startTestWitness(keyDir, [logKey])).rejects.toThrow(
      /witness\.db is missing beside the witness's key/,
    );
    writeFileSync(state, kept);
    rmSync(join(keyDir, 'witness-key.pem'));
    const other = tempDir('ferry-witness-other-');
    try {
      await (await startTestWitness(other, [logKey])).stop();
      copyFileSync(join(other, 'witness-key.pem'), join(keyDir, 'witness-key.pem'));
    } finally {
      removeDir(other);
    }
    await expect(startTestWitness(keyDir, [logKey])).rejects.toThrow(
      /the witness state is of key [0-9a-f]{64}, but/,
    );
    // A state without its key: refused, and no new key made in its place.
    rmSync(join(keyDir, 'witness-key.pem'));
    await expect(startTestWitness(keyDir, [logKey])).rejects.toThrow(/witness-key\.pem is missing beside/);
    expect(existsSync(join(keyDir, 'witness-key.pem'))).toBe(false);
    w = await startTestWitness(tempDir('ferry-witness-again-'), [logKey]);
  });

  it('refuses a state that has cosigned but lost its identity, and starts one that cosigned nothing', async () => {
    expect((await post(await firstRequest())).status).toBe(200);
    await w.stop();
    const db = new Database(join(keyDir, 'witness.db'));
    db.prepare('DELETE FROM witness_identity').run();
    db.close();
    await expect(startTestWitness(keyDir, [logKey])).rejects.toThrow(/has no identity but has cosigned/);
    const db2 = new Database(join(keyDir, 'witness.db'));
    db2.prepare('DELETE FROM witnessed_logs').run();
    db2.close();
    // As after a first start cut between the key and its identity: nothing cosigned, so it goes on.
    w = await startTestWitness(keyDir, [logKey]);
    expect(w.app.name).toMatch(/^ferry-witness\/[0-9a-f]{16}$/);
  });

  it('keeps at most 100 pieces of evidence per log, the first ones', () => {
    const state = new SqliteWitnessState(join(tempDir('ferry-witness-state-'), 'witness.db'));
    try {
      const evidence = (origin: string, n: number) => ({
        origin,
        at: '',
        status: 422,
        reason: `${n}`,
        request: '',
      });
      const kept = Array.from({ length: 101 }, (_, n) => state.keepEvidence(evidence('log-a', n)));
      expect(kept.filter(Boolean)).toHaveLength(100);
      expect(kept[100]).toBe(false);
      expect(state.keepEvidence(evidence('log-b', 0))).toBe(true);
      expect(
        state
          .evidence()
          .filter((each) => each.origin === 'log-a')
          .map((each) => each.reason),
      ).toEqual(Array.from({ length: 100 }, (_, n) => `${n}`));
    } finally {
      state.close();
    }
  });

  it('refuses another name for a key folder that has one, and a second witness on the same folder', async () => {
    const { witnessKeyOf } = await import('../../src/app/composition-root');
    // Read while the witness runs: no lock needed to print the key.
    expect(witnessKeyOf(keyDir)).toBe(w.app.verifierKey);
    expect(() => witnessKeyOf(keyDir, 'witness.example/w2')).toThrow(/named witness\.example\/w1/);
    await expect(startTestWitness(keyDir, [logKey])).rejects.toThrow(/in use by process/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function fakeWitness(answer: () => { status: number; body: string }): Promise<Server> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const { status, body } = answer();
      response.writeHead(status, { 'Content-Type': 'text/plain' });
      response.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
