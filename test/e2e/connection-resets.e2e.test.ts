import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_BAN_POLICY } from '../../src/domain/address-bans';
import { addAccount, logIn, OPERATOR, PASSWORD } from '../support/accounts';
import { EventRow, readEvents } from '../support/audit-db';
import { FerryClient } from '../../src/transport/client/ferry-client';
import { startServerProcess } from '../support/ferry-binary';
import { recordingLogger } from '../support/recording-logger';
import { chunksOf } from '../support/streams';
import { removeDir, startTestServer, tempDir, TestServer } from '../support/test-server';
import { Random, randomFrom } from '../support/seeded-random';

/**
 * Hundreds of clients that reset their connection (RST, not FIN) at a random point of an upload, a resumable
 * upload, a download, a restore or a login, many at once. Every request the server took in must end in
 * exactly one event of that session, and nothing may stay behind: no temporary file, no file handle.
 * FERRY_RESET_SEED replays a run; FERRY_RESET_ROUNDS makes it longer.
 */

const SEED = Number(process.env.FERRY_RESET_SEED ?? Date.now() % 2 ** 31);
const ROUNDS = Number(process.env.FERRY_RESET_ROUNDS ?? 400);
const AT_ONCE = 24;
const BIG = Buffer.alloc(3 * 1024 * 1024, 'download me ');

/** What one client sends before it resets: the request's bytes, handed over in a few pieces. */
function requestBytes(round: number, random: Random): Buffer {
  const size = [0, 1, 1000, 70_000, 600_000][random(5)];
  const body = Buffer.alloc(size, round % 251);
  switch (random(7)) {
    case 0:
      return Buffer.concat([Buffer.from(`UPLOAD reset/${round}.bin ${size}\n`), body]);
    case 1:
      return Buffer.concat([Buffer.from(`UPLOAD reset/held-${round}.bin ${size} upload=u${round}\n`), body]);
    case 2:
      return Buffer.from('DOWNLOAD big.bin\n');
    case 3:
      return Buffer.from('RESTORE seed.txt 1\n');
    case 4:
      return Buffer.from(`LOGIN alice ${random(2) === 0 ? 'wrong' : `"${PASSWORD}"`}\n`);
    case 5:
      // Many requests at once: those still unread when the reset comes are never taken in.
      return Buffer.from('STAT seed.txt\n'.repeat(500));
    default:
      return Buffer.from(`UPLOAD reset/whole-${round}.bin ${size} sha256=${'0'.repeat(64)}\n`);
  }
}

async function resetMidRequest(ferry: TestServer, round: number, random: Random): Promise<void> {
  const socket: Socket = connect(ferry.address.port, ferry.address.host);
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  await once(socket, 'connect');
  // Before, at or after the greeting.
  await pause(random(3));
  // Logging in is required; the login and the request go in one stream, and the cut may fall in either.
  const login = Buffer.from(`LOGIN alice "${PASSWORD}"\n`);
  const bytes = Buffer.concat([login, requestBytes(round, random)]);
  const cut = random(3) === 0 ? bytes.length : random(bytes.length + 1);
  let sent = 0;
  while (sent < cut && !socket.destroyed) {
    const piece = Math.min(cut - sent, 1 + random(256 * 1024));
    socket.write(bytes.subarray(sent, sent + piece));
    sent += piece;
    if (random(2) === 0) await pause(random(3));
  }
  await pause(random(4));
  if (!socket.destroyed) socket.resetAndDestroy();
  await once(socket, 'close');
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

const SESSION_EVENTS = new Set(['SessionOpened', 'SessionClosed']);

/** Per session, the events other than its opening and closing. */
function commandEventsBySession(events: readonly EventRow[]): Map<string, string[]> {
  const bySession = new Map<string, string[]>();
  for (const event of events) {
    if (!event.session || SESSION_EVENTS.has(event.type)) continue;
    bySession.set(event.session, [...(bySession.get(event.session) ?? []), event.type]);
  }
  return bySession;
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(20);
  }
}

describe('connections reset at random points of their requests', () => {
  it(`leave exactly one event per request taken in, and no temporary file or handle (seed ${SEED})`, async () => {
    // The server says which requests it took in: one debug line per request, with its session.
    const taken = new Map<string, string[]>();
    const logger = recordingLogger((line) => {
      // LOGOUT's event is the session's closing.
      if (line.message !== 'request' || line.fields?.command === 'LOGOUT') return;
      const session = String(line.fields?.session);
      taken.set(session, [...(taken.get(session) ?? []), String(line.fields?.command)]);
    });
    const safelist = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
    const ferry = await startTestServer({
      config: { bans: { ...DEFAULT_BAN_POLICY, safelist } },
      overrides: { logger },
    });
    try {
      await addAccount(ferry.app, 'alice', 'write');
      const setup = await logIn(ferry, 'alice');
      await setup.upload('big.bin', chunksOf(BIG), BIG.length);
      await setup.upload('seed.txt', chunksOf(Buffer.from('one')), 3);
      await setup.upload('seed.txt', chunksOf(Buffer.from('two')), 3);
      await setup.logout();
      const descriptorsBefore = openDescriptors();
      const random = randomFrom(SEED);

      let next = 0;
      const worker = async () => {
        while (next < ROUNDS) await resetMidRequest(ferry, next++, random);
      };
      await Promise.all(Array.from({ length: AT_ONCE }, worker));

      // Every session is over once its SessionClosed is in the log.
      let events: EventRow[] = [];
      await until(() => {
        events = readEvents(ferry.dataDir);
        const opened = events.filter((event) => event.type === 'SessionOpened').length;
        return opened === events.filter((event) => event.type === 'SessionClosed').length;
      }, 'every session to close');
      const recorded = commandEventsBySession(events);
      const mismatched = [...new Set([...taken.keys(), ...recorded.keys()])]
        .filter((session) => session !== OPERATOR.session)
        .map((session) => ({ session, taken: taken.get(session) ?? [], events: recorded.get(session) ?? [] }))
        .filter((entry) => entry.events.length !== entry.taken.length);
      expect(mismatched).toEqual([]);
      // And none after its session's closing.
      const closedAt = new Map(
        events.filter((e) => e.type === 'SessionClosed').map((e) => [e.session, e.seq]),
      );
      const late = events.filter((event) => event.seq > (closedAt.get(event.session) ?? Infinity));
      expect(
        late.map((event) => `${event.seq} ${event.type} after SessionClosed ${closedAt.get(event.session)}`),
      ).toEqual([]);
      // The random points did reach into every kind of request.
      const types = new Set(events.map((event) => event.type));
      for (const type of [
        'UploadInterrupted',
        'FileDownloaded',
        'FileRestored',
        'LoginSucceeded',
        'CommandRejected',
        'FileStatShown',
      ]) {
        expect(types).toContain(type);
      }

      // While the server still runs: nothing half-written is left, and no file stays open.
      expect(readdirSync(join(ferry.dataDir, 'tmp'))).toEqual([]);
      await until(() => openDescriptors() <= descriptorsBefore + 2, 'file handles to close');

      // And it still serves.
      const after = await logIn(ferry, 'alice');
      const body = Buffer.alloc(5000, 3);
      expect(await after.upload('after.bin', chunksOf(body), body.length)).toMatchObject({ version: 1 });
      await after.logout();
    } finally {
      await ferry.stop();
      removeDir(ferry.dataDir);
    }
  }, 120_000);
});

type Vanishing =
  | 'reset-mid-upload'
  | 'half-close-mid-upload'
  | 'never-reads'
  | 'gone-mid-reply'
  | 'half-close-after-request';
const VANISHING: readonly Vanishing[] = [
  'reset-mid-upload',
  'half-close-mid-upload',
  'never-reads',
  'gone-mid-reply',
  'half-close-after-request',
];

/** One client that goes away in one of the ways above. */
async function vanish(
  address: { host: string; port: number },
  how: Vanishing,
  random: Random,
): Promise<void> {
  const socket = connect(address.port, address.host);
  socket.on('error', () => undefined);
  // Reading lets the client see the server's end of the connection; 'never-reads' pauses it again.
  socket.on('data', () => undefined);
  await once(socket, 'connect');
  const closed = once(socket, 'close');
  switch (how) {
    case 'reset-mid-upload':
    case 'half-close-mid-upload':
      socket.write(`UPLOAD vanished/${random(1_000_000)}.bin 500000\n`);
      socket.write(Buffer.alloc(random(400_000)));
      await pause(random(20));
      if (how === 'reset-mid-upload') socket.resetAndDestroy();
      else socket.end();
      break;
    case 'never-reads':
      // Replies pile up on the server's side of a connection nobody reads.
      socket.pause();
      socket.write('DOWNLOAD big.bin\n'.repeat(4));
      await pause(50 + random(250));
      socket.destroy();
      break;
    case 'gone-mid-reply':
      socket.write('LIST\n'.repeat(50));
      await pause(random(3));
      socket.destroy();
      break;
    case 'half-close-after-request':
      socket.end('LIST\n');
      break;
  }
  await closed;
}

function serverStatus(pid: number, field: 'VmRSS'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1]) / 1024;
}

describe('thousands of clients that vanish, half-close or never read', () => {
  it(`leave the server with no more file handles, temporaries or memory than before (seed ${SEED})`, async () => {
    const dataDir = tempDir();
    const server = await startServerProcess([
      '--data',
      dataDir,
      '--log-level',
      'error',
      '--max-connections-per-address',
      '64',
    ]);
    const pid = server.child.pid!;
    try {
      const [host, port] = server.server.split(':');
      const address = { host, port: Number(port) };
      const setup = await FerryClient.connect(address);
      await setup.upload('big.bin', chunksOf(BIG), BIG.length);
      await setup.logout();
      const random = randomFrom(SEED);
      const run = async (sessions: number) => {
        let next = 0;
        const worker = async () => {
          while (next++ < sessions) {
            const how =
              (process.env.FERRY_VANISH_ONLY as Vanishing | undefined) ?? VANISHING[random(VANISHING.length)];
            await vanish(address, how, random);
          }
        };
        await Promise.all(Array.from({ length: 32 }, worker));
      };
      // A first few hundred warm the server up (buffers, caches, compiled code); then the many.
      await run(300);
      await pause(1000);
      const handles = readdirSync(`/proc/${pid}/fd`).length;
      const rss = serverStatus(pid, 'VmRSS');
      await run(Number(process.env.FERRY_VANISH_SESSIONS ?? 2000));
      // Every session it opened, it closed (each closing is recorded just after its connection goes).
      const sessions = () => {
        const types = readEvents(dataDir).map((event) => event.type);
        const count = (type: string) => types.filter((each) => each === type).length;
        return { opened: count('SessionOpened'), closed: count('SessionClosed') };
      };
      const settled = () =>
        readdirSync(`/proc/${pid}/fd`).length <= handles && sessions().opened === sessions().closed;
      const deadline = Date.now() + 10_000;
      while (!settled() && Date.now() < deadline) await pause(100);
      expect(readdirSync(`/proc/${pid}/fd`).length).toBeLessThanOrEqual(handles);
      expect(sessions().closed).toBe(sessions().opened);
      expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);
      // RSS counts garbage not yet collected: runs of 2,000 such sessions measured 26, 41, 58 and then
      // 34 MiB above the warmed-up server, up and down with the collector. A leak of what a session holds
      // (its socket buffers, a read stream, a pending upload) would pass this bound within a run.
      expect(serverStatus(pid, 'VmRSS') - rss).toBeLessThan(100);
      expect(await server.stop()).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
      removeDir(dataDir);
    }
  }, 180_000);
});
