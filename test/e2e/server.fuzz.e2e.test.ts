import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { runInThisContext } from 'node:vm';
import { DEFAULT_UPLOAD_LIMITS } from '../../src/app/upload-limits';
import { DEFAULT_BAN_POLICY } from '../../src/domain/address-bans';
import { isErrorCode } from '../../src/domain/errors';
import { Role } from '../../src/domain/events';
import { Logger } from '../../src/domain/ports/logger.port';
import { recordingLogger } from '../support/recording-logger';
import { FerryClient } from '../../src/transport/client/ferry-client';
import { ListedFile } from '../../src/transport/client/listing';
import { FerryError } from '../../src/transport/client/ferry-error';
import { quoteWord, splitWords } from '../../src/transport/codec/words';
import { addAccount, logIn, PASSWORD } from '../support/accounts';
import { readEvents } from '../support/audit-db';
import { anyRequestLine, chunked, fileNameText } from '../support/request-fuzz';
import { chunksOf, collector } from '../support/streams';
import { RawConnection } from '../support/raw-connection';
import { removeDir, startTestServer, TestServer } from '../support/test-server';

/**
 * Property-based fuzzing of a live server: (a) random and damaged byte streams over raw sockets, (b) random
 * command sequences from several accounts through FerryClient, checked against a model. No seed is fixed;
 * a failure prints the seed and path that replay it (pass them to fc.assert as `{ seed, path }`).
 */

// Sized so the file runs in about 10 s on an idle machine with two cores (20 s under load).
// FERRY_FUZZ_SCALE=10 runs ten times as many, for a longer hunt than CI affords.
const SCALE = Number(process.env.FERRY_FUZZ_SCALE ?? 1);
const RUNS = { streams: 40 * SCALE, sequences: 20 * SCALE, names: 60 * SCALE };

/** Failed logins from loopback must not ban the address the test itself connects from. */
const LOOPBACK_SAFE = {
  bans: { ...DEFAULT_BAN_POLICY, safelist: ['127.0.0.1', '::ffff:127.0.0.1', '::1'] },
};

/**
 * Jest gives each test file its own `process` object; the real one, whose events report what no code
 * handled, is the main context's.
 */
const realProcess = runInThisContext('process') as NodeJS.Process;
const escaped: string[] = [];
const onUnhandledRejection = (reason: unknown) => escaped.push(`unhandledRejection: ${String(reason)}`);
const onUncaughtException = (error: unknown) => escaped.push(`uncaughtException: ${String(error)}`);

beforeAll(() => {
  for (const target of new Set([realProcess, process])) {
    target.on('unhandledRejection', onUnhandledRejection);
    target.on('uncaughtException', onUncaughtException);
  }
});

afterAll(() => {
  for (const target of new Set([realProcess, process])) {
    target.off('unhandledRejection', onUnhandledRejection);
    target.off('uncaughtException', onUncaughtException);
  }
});

/** What the server reports at error level (a request that failed inside, say), as one string a line. */
function errorsInto(errors: string[]): Logger {
  return recordingLogger((line) => {
    if (line.level === 'error') errors.push(`${line.message} ${JSON.stringify(line.fields ?? {})}`);
  });
}

/** Takes what went wrong since the last call, so a failed run does not fail every run of its shrinking. */
function expectNothingEscaped(serverErrors: string[]): void {
  expect({ escaped: escaped.splice(0), serverErrors: serverErrors.splice(0) }).toEqual({
    escaped: [],
    serverErrors: [],
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------
// (a) byte streams
// ---------------------------------------------------------------------------------------------------------

/** One piece of what a connection sends. */
const piece: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(anyRequestLine, fc.constantFrom('\n', '\r\n'))
      .map(([line, end]) => Buffer.concat([line, Buffer.from(end)])),
  },
  {
    // An upload whose body is all there (or, with `short`, is not), sometimes with its real SHA-256.
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('fz/a', 'fz/b', 'fz/sub/c', 'a', 'other/x'),
        fc.uint8Array({ maxLength: 600 }),
        fc.constantFrom('none', 'right', 'wrong'),
        fc.nat(3),
      )
      .map(([name, body, hash, short]) => {
        const sha =
          hash === 'none' ? '' : ` sha256=${hash === 'right' ? sha256(body) : sha256(Buffer.from('no'))}`;
        const sent = short === 0 ? Math.floor(body.length / 2) : body.length;
        return Buffer.concat([
          Buffer.from(`UPLOAD ${name} ${body.length}${sha}\n`),
          Buffer.from(body).subarray(0, sent),
        ]);
      }),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        'LIST',
        'LIST fz/',
        'DOWNLOAD fz/a',
        'DOWNLOAD fz/b version=1',
        'HISTORY fz/a',
        'STAT fz/b',
        // Prefixes are not names: one outside the home is refused, and the refusal quotes it.
        'LIST "\u001b[31mred"',
        'LIST "\u202eevil"',
        'LIST "a\u0085b\u2028c"',
      )
      .map((line) => Buffer.from(`${line}\n`)),
  },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from('\n'), Buffer.from('\r\n'), Buffer.from('\n\n\n')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
);

/** Half-close and read to the end; or drop the connection, after all or half of it, with a FIN or a reset. */
type Ending = 'half-close' | 'destroy' | 'destroy-at-once' | 'reset-at-once';

interface Connection {
  /** Log in as the fuzzing account first, or stay a stranger. */
  readonly login: boolean;
  readonly pieces: Buffer[];
  /** Where the stream is cut into writes. */
  readonly cuts: number[];
  readonly ending: Ending;
}

const connection: fc.Arbitrary<Connection> = fc.record({
  login: fc.boolean(),
  pieces: fc.array(piece, { minLength: 1, maxLength: 14 }),
  cuts: fc.array(fc.nat(), { maxLength: 8 }),
  ending: fc.constantFrom<Ending>(
    'half-close',
    'half-close',
    'half-close',
    'destroy',
    'destroy-at-once',
    'reset-at-once',
  ),
});

/** The stream in the chunks the cut points make, empty ones left out: each is one write to the socket. */
function cut(wire: Buffer, cuts: readonly number[]): Buffer[] {
  return chunked(wire, cuts).filter((chunk) => chunk.length > 0);
}

interface Received {
  readonly bytes: Buffer;
  /** The server closed the connection cleanly: everything it sent must be whole. */
  readonly complete: boolean;
  readonly note: string;
}

/** Plays one connection; resolves with what the server sent. */
async function play(ferry: TestServer, plan: Connection): Promise<Received> {
  const socket: Socket = connect(ferry.address.port, ferry.address.host);
  const chunks: Buffer[] = [];
  let reset = false;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {
    reset = true;
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const login = plan.login ? [Buffer.from(`LOGIN fuzzer ${quoteWord(PASSWORD)}\n`)] : [];
  const wire = Buffer.concat([...login, ...plan.pieces]);
  const writes = cut(wire, plan.cuts);
  const stopAfter = plan.ending.endsWith('-at-once') ? Math.floor(writes.length / 2) : writes.length;
  for (const chunk of writes.slice(0, stopAfter)) {
    if (socket.destroyed) break;
    socket.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (plan.ending === 'half-close') {
    socket.end();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      closed.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 5000))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      socket.destroy();
      throw new Error(`the server did not close a half-closed connection within 5 s; sent ${show(wire)}`);
    }
    return { bytes: Buffer.concat(chunks), complete: !reset, note: show(wire) };
  }
  await pause(plan.ending === 'destroy' ? 5 : 0);
  if (plan.ending === 'reset-at-once') socket.resetAndDestroy();
  else socket.destroy();
  await closed;
  return { bytes: Buffer.concat(chunks), complete: false, note: show(wire) };
}

function show(bytes: Buffer): string {
  const text = JSON.stringify(bytes.toString('latin1'));
  return text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
}

// eslint-disable-next-line no-control-regex -- control characters are what these look for
const STATUS_CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex -- control characters are what these look for
const CONTENT_CONTROL = /[\u0000-\u001f]/;
const LAST_REPLIES = [/^OK bye$/, /^ERR LINE_TOO_LONG /, /^ERR TIMEOUT /];

/**
 * Checks a server's side of a conversation: a greeting, then replies, each `OK ...` or `ERR <CODE> ...`
 * with a known code; `count=`/`lines=` replies followed by that many lines, DOWNLOAD replies by exactly
 * their bytes, which hash to the SHA-256 they announce. An incomplete stream may stop anywhere.
 */
function checkReplies(received: Received): void {
  const { bytes, complete } = received;
  let offset = 0;
  const fail = (why: string): never => {
    throw new Error(`${why}\nreceived: ${show(bytes)}\nsent: ${received.note}`);
  };
  const nextLine = (): string | undefined => {
    const newline = bytes.indexOf(0x0a, offset);
    if (newline === -1) {
      if (complete && offset < bytes.length) fail(`an unterminated reply line at ${offset}`);
      offset = bytes.length;
      return undefined;
    }
    const raw = bytes.subarray(offset, newline);
    offset = newline + 1;
    try {
      return fatalUtf8.decode(raw);
    } catch {
      return fail(`a reply line that is not UTF-8 at ${offset}`);
    }
  };

  let replies = 0;
  let last: string | undefined;
  while (offset < bytes.length) {
    const line = nextLine();
    if (line === undefined) break;
    if (last !== undefined && LAST_REPLIES.some((pattern) => pattern.test(last!))) {
      fail(`a reply after ${JSON.stringify(last)}: ${JSON.stringify(line)}`);
    }
    last = line;
    if (replies === 0 && !line.startsWith('OK ferry/1 ')) fail(`no greeting: ${JSON.stringify(line)}`);
    replies++;
    if (STATUS_CONTROL.test(line)) fail(`a control character in ${JSON.stringify(line)}`);
    if (line.startsWith('ERR ')) {
      const code = /^ERR ([A-Z_]+) \S/.exec(line)?.[1];
      if (code === undefined || !isErrorCode(code)) fail(`a malformed error reply ${JSON.stringify(line)}`);
      continue;
    }
    if (line !== 'OK' && !line.startsWith('OK ')) fail(`neither OK nor ERR: ${JSON.stringify(line)}`);
    try {
      splitWords(line.slice(2));
    } catch (error) {
      fail(`an OK reply whose words do not split (${String(error)}): ${JSON.stringify(line)}`);
    }
    const counted = /^OK (?:count|lines)=(\d+)$/.exec(line);
    if (counted) {
      for (let i = 0; i < Number(counted[1]); i++) {
        const content = nextLine();
        if (content === undefined) return;
        if (CONTENT_CONTROL.test(content)) fail(`a control character in ${JSON.stringify(content)}`);
      }
      continue;
    }
    if (/^OK (count|lines)=/.test(line)) fail(`a malformed count: ${JSON.stringify(line)}`);
    const download = /^OK size=(\d+) version=(\d+) sha256=([0-9a-f]{64})$/.exec(line);
    if (download) {
      const size = Number(download[1]);
      if (offset + size > bytes.length) {
        if (complete) fail(`a body cut short: ${JSON.stringify(line)}`);
        return;
      }
      const body = bytes.subarray(offset, offset + size);
      offset += size;
      if (sha256(body) !== download[3]) fail(`a body that does not hash to ${download[3]}`);
      continue;
    }
    if (/^OK size=/.test(line)) fail(`a malformed download reply: ${JSON.stringify(line)}`);
  }
  if (replies === 0 && complete) fail('no reply at all, not even a greeting');
}

/** Lists, downloads and checks every live file as the admin. */
async function checkEveryLiveFile(client: FerryClient): Promise<number> {
  const files = await client.list();
  for (const file of files) {
    const { sink, bytes } = collector();
    const got = await client.download(file.name, sink); // the client checks the SHA-256 itself
    expect(got).toMatchObject({ version: file.version, size: file.size, sha256: file.sha256 });
    expect(bytes().length).toBe(file.size);
    expect(sha256(bytes())).toBe(file.sha256);
  }
  return files.length;
}

/** Temporary blob files anywhere under the data folder. */
function partFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.part'));
}

/** Stops the server, starts another on its data folder, and checks the catalogue comes back the same. */
async function restartAndCompare(ferry: TestServer, serverErrors: string[]): Promise<TestServer> {
  // Read before the stop closes the database the catalogue lives in.
  const before = [...ferry.app.ledger.catalogue.allVersions()].map((v) => JSON.stringify(v)).sort();
  await ferry.stop();
  // Every upload that did not complete, cut off or refused, left no temporary file behind.
  expect(partFiles(ferry.dataDir)).toEqual([]);
  const again = await startTestServer({
    dataDir: ferry.dataDir,
    config: LOOPBACK_SAFE,
    overrides: { logger: errorsInto(serverErrors) },
  });
  expect([...again.app.ledger.catalogue.allVersions()].map((v) => JSON.stringify(v)).sort()).toEqual(before);
  return again;
}

describe('a live server fed random and damaged byte streams', () => {
  // With accounts (the fuzzing one confined to fz/, so half the streams run logged in), and without any,
  // where every stranger may write.
  it.each([['with accounts', true] as const, ['open to anonymous writers', false] as const])(
    '%s: never fails inside, answers only well-formed replies, and keeps serving',
    async (_label, accounts) => {
      const serverErrors: string[] = [];
      let ferry = await startTestServer({
        config: LOOPBACK_SAFE,
        overrides: { logger: errorsInto(serverErrors) },
      });
      const checker = async () => (accounts ? logIn(ferry, 'checker') : ferry.connect());
      try {
        if (accounts) {
          await addAccount(ferry.app, 'fuzzer', 'admin', { prefix: 'fz/' });
          await addAccount(ferry.app, 'checker', 'admin');
        }
        await fc.assert(
          fc.asyncProperty(fc.array(connection, { minLength: 1, maxLength: 4 }), async (plans) => {
            const received = await Promise.all(plans.map((plan) => play(ferry, plan)));
            for (const conversation of received) checkReplies(conversation);
            expectNothingEscaped(serverErrors);
            // Someone else is still served, whatever those connections did.
            const client = await checker();
            expect((await client.help()).length).toBeGreaterThan(0);
            await client.logout();
          }),
          { numRuns: RUNS.streams },
        );
        const client = await checker();
        const name = 'after-the-fuzz.txt';
        await client.upload(name, chunksOf(Buffer.from('still here')), 10);
        // Every live file, whatever the streams uploaded, is whole: no partial upload ever became visible.
        expect(await checkEveryLiveFile(client)).toBeGreaterThan(0);
        await client.logout();
        ferry = await restartAndCompare(ferry, serverErrors);
        const after = await checker();
        expect((await after.stat(name)).size).toBe(10);
        await after.logout();
        expectNothingEscaped(serverErrors);
      } finally {
        await ferry.stop();
        removeDir(ferry.dataDir);
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------------------
// (b) command sequences against a model
// ---------------------------------------------------------------------------------------------------------

type Who = 'admin' | 'writer' | 'reader' | 'peer' | 'intruder';

interface Rights {
  readonly role: Role;
  readonly prefix?: string;
}

/** The accounts of every sequence; the intruder tries the admin's name with a wrong password. */
const ACCOUNTS: Readonly<Record<Exclude<Who, 'intruder'>, Rights>> = {
  admin: { role: 'admin' },
  writer: { role: 'write', prefix: 'w/' },
  reader: { role: 'read' },
  peer: { role: 'read', prefix: 'v/' },
};
const RANK: Readonly<Record<Role, number>> = { read: 1, write: 2, admin: 3 };

/** Names inside and outside the homes, and some that merely look inside (`wx`, `w`). */
const NAMES = [
  'w/a',
  'w/b',
  'w/sub/c',
  'w/my file.txt',
  'v/a',
  'v/w/a',
  'x',
  'wx',
  'w',
  'top/\u00e9',
  'ww/a',
];
const PREFIXES = ['', 'w/', 'w', 'w/sub/', 'v/', 'v', 'x', 'top/', 'ww'];

type UploadMode = 'ok' | 'bad-sha256' | 'cut-off';

type Step =
  | {
      readonly op: 'upload';
      readonly who: Who;
      readonly name: string;
      readonly size: number;
      readonly mode: UploadMode;
      /** undefined: no if-version; 'live': the right one; a number: that one. */
      readonly ifVersion?: 'live' | number;
    }
  | { readonly op: 'burst'; readonly uploads: readonly { who: Who; name: string; size: number }[] }
  | { readonly op: 'download'; readonly who: Who; readonly name: string; readonly version?: number }
  | { readonly op: 'list'; readonly who: Who; readonly prefix: string }
  | { readonly op: 'stat' | 'history' | 'delete'; readonly who: Who; readonly name: string }
  | { readonly op: 'restore'; readonly who: Who; readonly name: string; readonly version: number }
  | { readonly op: 'relogin'; readonly who: Who };

// Mostly those who may act, and mostly names that get written, so that reads often find something.
const who = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Who>('admin') },
  { weight: 4, arbitrary: fc.constant<Who>('writer') },
  { weight: 2, arbitrary: fc.constant<Who>('reader') },
  { weight: 1, arbitrary: fc.constantFrom<Who>('peer', 'intruder') },
);
const name = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('w/a', 'w/b', 'v/a') },
  { weight: 2, arbitrary: fc.constantFrom(...NAMES) },
);
const size = fc.oneof(fc.constant(0), fc.nat(64), fc.nat(4096));

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        op: fc.constant('upload' as const),
        who,
        name,
        size,
        mode: fc.constantFrom<UploadMode>('ok', 'ok', 'ok', 'ok', 'bad-sha256', 'cut-off'),
        ifVersion: fc.option(fc.oneof(fc.constant('live' as const), fc.nat(3)), { nil: undefined }),
      },
      { requiredKeys: ['op', 'who', 'name', 'size', 'mode'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('burst' as const),
      uploads: fc.uniqueArray(fc.record({ who, name, size }), {
        minLength: 2,
        maxLength: 4,
        selector: (upload) => upload.name,
      }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        op: fc.constant('download' as const),
        who,
        name,
        version: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      },
      { requiredKeys: ['op', 'who', 'name'] },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('list' as const), who, prefix: fc.constantFrom(...PREFIXES) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constantFrom('stat' as const, 'history' as const), who, name }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), who, name }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('restore' as const),
      who,
      name,
      version: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('relogin' as const), who }) },
);

interface StoredVersion {
  readonly version: number;
  readonly bytes: Buffer;
  readonly sha256: string;
  readonly by: string;
  readonly restoredFrom?: number;
}

type HistoryItem = { readonly action: 'uploaded' | 'restored' | 'deleted'; readonly version: number };

interface NameState {
  readonly versions: StoredVersion[];
  readonly history: HistoryItem[];
  live: number;
}

/** What every successful change stored, and nothing else. */
class Model {
  readonly names = new Map<string, NameState>();

  state(name: string): NameState {
    let state = this.names.get(name);
    if (!state) {
      state = { versions: [], history: [], live: 0 };
      this.names.set(name, state);
    }
    return state;
  }

  live(name: string): StoredVersion | undefined {
    const state = this.names.get(name);
    return state && state.live > 0 ? state.versions[state.live - 1] : undefined;
  }

  add(name: string, bytes: Buffer, by: string, restoredFrom?: number): number {
    const state = this.state(name);
    const version = state.versions.length + 1;
    state.versions.push({ version, bytes, sha256: sha256(bytes), by, restoredFrom });
    state.history.push({ action: restoredFrom === undefined ? 'uploaded' : 'restored', version });
    state.live = version;
    return version;
  }

  delete(name: string): number {
    const state = this.state(name);
    const version = state.live;
    state.history.push({ action: 'deleted', version });
    state.live = 0;
    return version;
  }

  /** Live files under a prefix, sorted by name as the server sorts them, with who made each. */
  list(prefix: string): Listed[] {
    return [...this.names.entries()]
      .filter(([name, state]) => name.startsWith(prefix) && state.live > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, state]) => {
        const { version, sha256, by, restoredFrom } = state.versions[state.live - 1];
        return { name, version, sha256, by, ...(restoredFrom === undefined ? {} : { restoredFrom }) };
      });
  }
}

interface Listed {
  readonly name: string;
  readonly version: number;
  readonly sha256: string;
  readonly by: string;
  readonly restoredFrom?: number;
}

/** A LIST line as the model words it. */
function listed(file: ListedFile): Listed {
  const { name, version, sha256, by, restoredFrom } = file;
  return { name, version, sha256, by, ...(restoredFrom === undefined ? {} : { restoredFrom }) };
}

/** Why the server must refuse `who` this command on `name` before looking at anything else, if it must. */
function refusal(whoIs: Who, needed: Role, name?: string): string | undefined {
  if (whoIs === 'intruder') return 'UNAUTHENTICATED';
  const rights = ACCOUNTS[whoIs];
  if (RANK[rights.role] < RANK[needed]) return 'FORBIDDEN';
  if (name !== undefined && rights.prefix !== undefined && !name.startsWith(rights.prefix))
    return 'FORBIDDEN';
  return undefined;
}

/** A request's outcome: its value, or the code it was refused with. */
async function outcome<T>(
  request: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; code: string }> {
  try {
    return { ok: true, value: await request };
  } catch (error) {
    if (error instanceof FerryError) return { ok: false, code: error.code };
    throw error;
  }
}

function bytesOf(seed: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed || 1;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = x >>> 16;
  }
  return bytes;
}

/** The logged-in clients of one sequence, one connection per account, replaced when one is dropped. */
class Clients {
  private readonly open = new Map<Who, FerryClient>();

  constructor(private readonly ferry: TestServer) {}

  async get(whoIs: Who): Promise<FerryClient> {
    const existing = this.open.get(whoIs);
    if (existing) return existing;
    let client: FerryClient;
    if (whoIs === 'intruder') {
      client = await this.ferry.connect();
      const attempt = await outcome(client.login('admin', `${PASSWORD} but wrong`));
      expect(attempt).toEqual({ ok: false, code: 'UNAUTHENTICATED' });
    } else {
      client = await logIn(this.ferry, whoIs);
    }
    this.open.set(whoIs, client);
    return client;
  }

  drop(whoIs: Who): void {
    this.open.get(whoIs)?.destroy();
    this.open.delete(whoIs);
  }

  async closeAll(): Promise<void> {
    for (const [whoIs, client] of this.open) {
      await client.logout().catch(() => undefined);
      this.open.delete(whoIs);
    }
  }
}

async function runStep(clients: Clients, model: Model, s: Step, index: number): Promise<void> {
  const context = `step ${index}: ${JSON.stringify(s)}`;
  const check = (actual: unknown, expected: unknown) => {
    try {
      expect(actual).toEqual(expected);
    } catch (error) {
      throw new Error(`${context}\n${(error as Error).message}`);
    }
  };
  switch (s.op) {
    case 'upload': {
      const client = await clients.get(s.who);
      const bytes = bytesOf(index * 7919 + s.size, s.size);
      const live = model.live(s.name)?.version ?? 0;
      const ifVersion = s.ifVersion === 'live' ? live : s.ifVersion;
      if (s.mode === 'cut-off' && s.size > 0) {
        // Half the body, then the connection drops: nothing may be stored, whoever asked.
        const half = bytes.subarray(0, Math.floor(s.size / 2));
        const body = (async function* () {
          yield half;
          await pause(2);
          clients.drop(s.who);
        })();
        const result = await outcome(client.upload(s.name, body, s.size, { ifVersion }));
        check(result.ok, false);
        return;
      }
      const declared =
        s.mode === 'bad-sha256' ? sha256(Buffer.concat([bytes, Buffer.from('x')])) : sha256(bytes);
      const result = await outcome(
        client.upload(s.name, chunksOf(bytes, 1000), s.size, { sha256: declared, ifVersion }),
      );
      const expected =
        refusal(s.who, 'write', s.name) ??
        (ifVersion !== undefined && ifVersion !== live ? 'VERSION_CONFLICT' : undefined) ??
        (s.mode === 'bad-sha256' ? 'CHECKSUM_MISMATCH' : undefined);
      if (expected !== undefined) return check(result, { ok: false, code: expected });
      const version = model.add(s.name, bytes, s.who);
      return check(result, {
        ok: true,
        value: { name: s.name, version, size: s.size, sha256: sha256(bytes) },
      });
    }
    case 'burst': {
      // Uploads to distinct names at once, from several connections (or pipelined on one).
      const connected: FerryClient[] = [];
      for (const upload of s.uploads) connected.push(await clients.get(upload.who));
      const planned = s.uploads.map((upload, i) => {
        const bytes = bytesOf(index * 104729 + i, upload.size);
        const result = outcome(connected[i].upload(upload.name, chunksOf(bytes, 700), upload.size));
        return { upload, bytes, result };
      });
      for (const { upload, bytes, result } of planned) {
        const expected = refusal(upload.who, 'write', upload.name);
        const actual = await result;
        if (expected !== undefined) {
          check(actual, { ok: false, code: expected });
          continue;
        }
        const version = model.add(upload.name, bytes, upload.who);
        check(actual, {
          ok: true,
          value: { name: upload.name, version, size: upload.size, sha256: sha256(bytes) },
        });
      }
      return;
    }
    case 'download': {
      const client = await clients.get(s.who);
      const { sink, bytes } = collector();
      const result = await outcome(client.download(s.name, sink, { version: s.version }));
      const state = model.names.get(s.name);
      const wanted = s.version === undefined ? model.live(s.name) : state?.versions[s.version - 1];
      const expected = refusal(s.who, 'read', s.name) ?? (wanted ? undefined : 'NOT_FOUND');
      if (expected !== undefined) return check(result, { ok: false, code: expected });
      check(result, {
        ok: true,
        value: { name: s.name, version: wanted!.version, size: wanted!.bytes.length, sha256: wanted!.sha256 },
      });
      return check(bytes().equals(wanted!.bytes), true);
    }
    case 'list': {
      const client = await clients.get(s.who);
      const result = await outcome(client.list(s.prefix));
      const denied = refusal(s.who, 'read');
      if (denied !== undefined) return check(result, { ok: false, code: denied });
      const home = s.who === 'intruder' ? undefined : ACCOUNTS[s.who].prefix;
      let walked = s.prefix;
      if (home !== undefined && !s.prefix.startsWith(home)) {
        if (!home.startsWith(s.prefix)) return check(result, { ok: false, code: 'FORBIDDEN' });
        walked = home;
      }
      if (!result.ok) return check(result, { ok: true });
      return check(result.value.map(listed), model.list(walked));
    }
    case 'stat': {
      const client = await clients.get(s.who);
      const result = await outcome(client.stat(s.name));
      const live = model.live(s.name);
      const expected = refusal(s.who, 'read', s.name) ?? (live ? undefined : 'NOT_FOUND');
      if (expected !== undefined) return check(result, { ok: false, code: expected });
      if (!result.ok) return check(result, { ok: true });
      return check(
        {
          name: result.value.name,
          version: result.value.version,
          size: result.value.size,
          sha256: result.value.sha256,
        },
        { name: s.name, version: live!.version, size: live!.bytes.length, sha256: live!.sha256 },
      );
    }
    case 'history': {
      const client = await clients.get(s.who);
      const result = await outcome(client.history(s.name));
      const history = model.names.get(s.name)?.history ?? [];
      const expected = refusal(s.who, 'read', s.name) ?? (history.length > 0 ? undefined : 'NOT_FOUND');
      if (expected !== undefined) return check(result, { ok: false, code: expected });
      if (!result.ok) return check(result, { ok: true });
      return check(
        result.value.map((record) => ({ action: record.action, version: record.version })),
        history,
      );
    }
    case 'delete': {
      const client = await clients.get(s.who);
      const result = await outcome(client.delete(s.name));
      const expected = refusal(s.who, 'write', s.name) ?? (model.live(s.name) ? undefined : 'NOT_FOUND');
      if (expected !== undefined) return check(result, { ok: false, code: expected });
      return check(result, { ok: true, value: model.delete(s.name) });
    }
    case 'restore': {
      const client = await clients.get(s.who);
      const result = await outcome(client.restore(s.name, s.version));
      const source = model.names.get(s.name)?.versions[s.version - 1];
      const expected = refusal(s.who, 'write', s.name) ?? (source ? undefined : 'NOT_FOUND');
      if (expected !== undefined) return check(result, { ok: false, code: expected });
      const version = model.add(s.name, source!.bytes, s.who, s.version);
      return check(result, {
        ok: true,
        value: {
          name: s.name,
          version,
          size: source!.bytes.length,
          sha256: source!.sha256,
          fromVersion: s.version,
        },
      });
    }
    case 'relogin':
      await clients.get(s.who).then((client) => client.logout().catch(() => undefined));
      clients.drop(s.who);
      return;
  }
}

/** Everything the admin sees at the end: LIST, and every name's HISTORY, and each live file's bytes. */
async function observe(client: FerryClient): Promise<unknown> {
  const files = await client.list();
  const histories: Record<string, unknown> = {};
  for (const candidate of NAMES) {
    const history = await outcome(client.history(candidate));
    histories[candidate] = history.ok ? history.value : history.code;
  }
  return { files, histories };
}

describe('a live server driven by several accounts at random, against a model', () => {
  it('keeps every account in its rights, stores only complete verified uploads, and replays its log', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 30 }), async (steps) => {
        const serverErrors: string[] = [];
        let ferry = await startTestServer({
          config: LOOPBACK_SAFE,
          overrides: { logger: errorsInto(serverErrors) },
        });
        try {
          for (const [user, rights] of Object.entries(ACCOUNTS)) {
            await addAccount(ferry.app, user, rights.role, rights.prefix ? { prefix: rights.prefix } : {});
          }
          const model = new Model();
          const clients = new Clients(ferry);
          for (const [index, s] of steps.entries()) await runStep(clients, model, s, index);
          await clients.closeAll();

          // Nothing is visible that the model does not hold, and every live file has exactly its bytes.
          const admin = await logIn(ferry, 'admin');
          const files = await admin.list();
          expect(files.map(listed)).toEqual(model.list(''));
          for (const file of files) {
            const { sink, bytes } = collector();
            await admin.download(file.name, sink);
            expect(bytes().equals(model.live(file.name)!.bytes)).toBe(true);
          }
          const seen = await observe(admin);
          await admin.logout();

          // The catalogue rebuilt from the log alone equals the live one, and says the same on the wire.
          ferry = await restartAndCompare(ferry, serverErrors);
          const again = await logIn(ferry, 'admin');
          expect(await observe(again)).toEqual(seen);
          await again.logout();
          expectNothingEscaped(serverErrors);
        } finally {
          await ferry.stop();
          removeDir(ferry.dataDir);
        }
      }),
      { numRuns: RUNS.sequences },
    );
  });
});

// Names outside the generated pools still go through the whole stack without harm.
describe('odd names through the client', () => {
  it('are stored and listed, or refused with BAD_NAME (BAD_REQUEST by the client for a line feed)', async () => {
    const serverErrors: string[] = [];
    const ferry = await startTestServer({
      config: LOOPBACK_SAFE,
      overrides: { logger: errorsInto(serverErrors) },
    });
    try {
      const client = await ferry.connect();
      await fc.assert(
        fc.asyncProperty(fileNameText, async (raw) => {
          const result = await outcome(client.upload(raw, chunksOf(Buffer.from('n')), 1));
          if (!result.ok) return expect(result.code).toBe(raw.includes('\n') ? 'BAD_REQUEST' : 'BAD_NAME');
          // What goes on the wire is UTF-8: a lone surrogate arrives as U+FFFD.
          const stored = raw.toWellFormed().normalize('NFC');
          expect((await client.stat(stored)).name).toBe(stored);
          expect((await client.list(stored)).map((file) => file.name)).toContain(stored);
        }),
        { numRuns: RUNS.names },
      );
      await client.logout();
      expectNothingEscaped(serverErrors);
    } finally {
      await ferry.stop();
      removeDir(ferry.dataDir);
    }
  });

  it('never lets a line feed in an argument smuggle a request of its own', async () => {
    const ferry = await startTestServer({ config: LOOPBACK_SAFE });
    try {
      const client = await ferry.connect();
      await client.upload('victim', chunksOf(Buffer.from('keep')), 4);
      const injected = 'a\nDELETE victim\nb';
      const attempts: (() => Promise<unknown>)[] = [
        () => client.delete(injected),
        () => client.stat(injected),
        () => client.history(injected),
        () => client.restore(injected, 1),
        () => client.list(injected),
        () => client.download(injected, collector().sink),
        () => client.upload(injected, chunksOf(Buffer.from('x')), 1),
        () => client.login(injected, 'password'),
        () => client.login('admin', `pass${'\n'}word`),
      ];
      for (const attempt of attempts) {
        expect(await outcome(attempt())).toEqual({ ok: false, code: 'BAD_REQUEST' });
      }
      // The connection is still in step, and the victim still there.
      expect(await client.stat('victim')).toMatchObject({ name: 'victim', version: 1 });
      await client.logout();
    } finally {
      await ferry.stop();
      removeDir(ferry.dataDir);
    }
  });
});

describe('peer input echoed in a refusal', () => {
  it('comes back with its control and bidi characters escaped, on one line', async () => {
    const ferry = await startTestServer({ config: LOOPBACK_SAFE });
    try {
      await addAccount(ferry.app, 'confined', 'read', { prefix: 'home/' });
      const raw = await RawConnection.open(ferry.address);
      raw.send(`LOGIN confined ${quoteWord(PASSWORD)}\n`);
      raw.send('LIST "\u001b[2J\u202eevil\u0085"\nLIST "\u007f"\nFETCH\u0085\u009b\n');
      const [login, ...refusals] = await raw.lines(4);
      expect(login).toMatch(/^OK user=confined /);
      expect(refusals).toEqual([
        'ERR FORBIDDEN \\u001b[2J\\u202eevil\\u0085 is outside your home home/',
        'ERR FORBIDDEN \\u007f is outside your home home/',
        'ERR UNKNOWN_COMMAND unknown command "FETCH\\u0085\\u009b"; try HELP',
      ]);
      raw.destroy();
    } finally {
      await ferry.stop();
      removeDir(ferry.dataDir);
    }
  });
});

describe('an upload whose connection is reset while the server prepares it', () => {
  // Found by the byte-stream fuzzing above: a reset (not a FIN) closes the session at once, while the upload
  // is still between its header line and its body; end() found no transfer to abort, so the temporary file,
  // its file handle and the upload's reservation of free space stayed for good, and no event was recorded.
  it('is recorded as cut off, leaves no temporary file, and gives its reserved space back', async () => {
    const reserve = DEFAULT_UPLOAD_LIMITS.spaceReserve;
    let calls = 0;
    // Room for exactly one 1000-byte upload; the first check is slow, widening the window to hit.
    const freeSpace = {
      available: async () => {
        if (calls++ === 0) await pause(100);
        return reserve + 1000;
      },
    };
    const ferry = await startTestServer({ config: LOOPBACK_SAFE, overrides: { freeSpace } });
    try {
      const socket = connect(ferry.address.port, ferry.address.host);
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      await pause(20);
      socket.write('UPLOAD cut.txt 1000\nabc');
      await pause(20);
      socket.resetAndDestroy();
      await new Promise((resolve) => socket.once('close', resolve));
      await pause(200); // the preparation ends meanwhile

      const client = await ferry.connect();
      const body = Buffer.alloc(1000, 7);
      expect(await client.upload('whole.txt', chunksOf(body), body.length)).toMatchObject({ version: 1 });
      await client.logout();
    } finally {
      await ferry.stop();
    }
    try {
      expect(partFiles(ferry.dataDir)).toEqual([]);
      const refusals = readEvents(ferry.dataDir).filter((event) => event.type === 'CommandRejected');
      expect(refusals.map((event) => event.payload)).toEqual([
        expect.objectContaining({ command: 'UPLOAD', code: 'SIZE_MISMATCH', name: 'cut.txt' }),
      ]);
    } finally {
      removeDir(ferry.dataDir);
    }
  });
});
