import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { SFTPWrapper } from 'ssh2';
import { Application } from '../../src/app/composition-root';
import { FileName } from '../../src/domain/names';
import { MemoryEventLog } from '../../src/infra/memory-event-log';
import { STATUS } from '../../src/transport/sftp/sftp-attributes';
import { LIMITS_EXTENSION, MAX_PACKET, MAX_READ, MAX_WRITE } from '../../src/transport/sftp/sftp-limits';
import { PathView } from '../../src/transport/sftp/sftp-paths';
import { SftpSession } from '../../src/transport/sftp/sftp-session';
import { OPERATOR } from '../support/accounts';
import { startMemoryApp } from '../support/app-driver';
import { silentLogger } from '../support/silent-logger';

/**
 * The SFTP session against a stand-in for ssh2's SFTP stream, over the real use cases with memory
 * storage: what it advertises, and how it waits for the channel's window.
 */

/**
 * ssh2's server-side SFTP stream, as far as the session uses it. A DATA reply uses up the client's
 * window (`outgoing.window`); `windowOpen` false makes data() say the reply had to wait for it.
 */
class FakeSftp extends EventEmitter {
  advertised: Record<string, string> | undefined;
  readonly replies: { id: number; kind: string; value: unknown }[] = [];
  readonly outgoing = { window: WINDOW, state: 'open' };
  windowOpen = true;

  advertiseExtensions(extensions: Record<string, string>): void {
    this.advertised = { ...extensions };
  }
  extendedReply(id: number, data: Buffer): void {
    this.replies.push({ id, kind: 'extended', value: data });
  }
  data(id: number, pieces: Buffer[]): boolean {
    const bytes = Buffer.concat(pieces);
    this.replies.push({ id, kind: 'data', value: bytes });
    this.outgoing.window = Math.max(0, this.outgoing.window - bytes.length);
    return this.windowOpen;
  }
  /** The client has taken `bytes`: a WINDOW_ADJUST. */
  adjust(bytes: number): void {
    this.outgoing.window += bytes;
    this.emit('window');
  }
  status(id: number, code: number, message?: string): void {
    this.replies.push({ id, kind: 'status', value: { code, message } });
  }
  handle(id: number, handle: Buffer): void {
    this.replies.push({ id, kind: 'handle', value: handle });
  }
  attrs(id: number, attrs: unknown): void {
    this.replies.push({ id, kind: 'attrs', value: attrs });
  }
}

/** OpenSSH's window for a session channel. */
const WINDOW = 2 * 1024 * 1024;

let app: Application;
let log: MemoryEventLog;
let sftp: FakeSftp;
let session: SftpSession;
const bytes = randomBytes(12 * MAX_READ + 1000);

beforeEach(async () => {
  log = new MemoryEventLog();
  app = await startMemoryApp({ eventLog: log });
  const transfer = await app.handlers.upload.begin(OPERATOR, {
    name: 'big.bin' as FileName,
    size: bytes.length,
  });
  await transfer.write(bytes);
  const stored = await transfer.finish();
  if (!stored.ok) throw new Error(stored.error.message);
  sftp = new FakeSftp();
  session = new SftpSession(
    sftp as unknown as SFTPWrapper,
    app.handlers,
    new PathView(''),
    { origin: () => OPERATOR, progress: () => undefined },
    silentLogger,
  );
});

afterEach(async () => {
  await session.close();
  await app.close();
});

/** Waits until the session has sent `count` replies (requests are served on later turns). */
async function replies(count: number): Promise<FakeSftp['replies']> {
  for (let i = 0; i < 200 && sftp.replies.length < count; i++) await new Promise((r) => setTimeout(r, 5));
  return sftp.replies;
}

async function openBig(): Promise<Buffer> {
  sftp.emit('OPEN', 1, '/big.bin', 0x1, {});
  const [opened] = await replies(1);
  expect(opened.kind).toBe('handle');
  return opened.value as Buffer;
}

test('advertises limits@openssh.com, and answers it with 256 KiB packets, 255 KiB reads, 32 KiB writes, 64 handles', async () => {
  expect(sftp.advertised).toEqual({ [LIMITS_EXTENSION]: '1' });
  sftp.emit('EXTENDED', 7, LIMITS_EXTENSION, undefined);
  const [reply] = await replies(1);
  expect(reply).toMatchObject({ id: 7, kind: 'extended' });
  const limits = reply.value as Buffer;
  expect([0, 8, 16, 24].map((at) => Number(limits.readBigUInt64BE(at)))).toEqual([
    MAX_PACKET,
    MAX_READ,
    MAX_WRITE,
    64,
  ]);
  expect([MAX_READ, MAX_WRITE]).toEqual([255 * 1024, 32 * 1024]);
  // Any other extension is refused.
  sftp.emit('EXTENDED', 8, 'statvfs@openssh.com', undefined);
  expect((await replies(2))[1]).toMatchObject({
    id: 8,
    kind: 'status',
    value: { code: STATUS.OP_UNSUPPORTED },
  });
});

test('a reply that waits for the window holds the next READ back until drain; the bytes are whole and in order', async () => {
  const handle = await openBig();
  sftp.windowOpen = false;
  for (let i = 0; i < 4; i++) sftp.emit('READ', 10 + i, handle, i * MAX_READ, MAX_READ);
  await replies(2);
  await new Promise((r) => setTimeout(r, 50));
  // The first reply waits for the window: nothing more has been read.
  expect(sftp.replies.map((reply) => reply.id)).toEqual([1, 10]);
  sftp.emit('drain');
  await replies(3);
  await new Promise((r) => setTimeout(r, 50));
  expect(sftp.replies.map((reply) => reply.id)).toEqual([1, 10, 11]);
  sftp.windowOpen = true;
  sftp.emit('drain');
  const all = await replies(5);
  expect(all.map((reply) => [reply.id, reply.kind])).toEqual([
    [1, 'handle'],
    [10, 'data'],
    [11, 'data'],
    [12, 'data'],
    [13, 'data'],
  ]);
  expect(all.slice(1, 4).map((reply) => (reply.value as Buffer).length)).toEqual([
    MAX_READ,
    MAX_READ,
    MAX_READ,
  ]);
  expect(
    Buffer.concat(all.slice(1).map((reply) => reply.value as Buffer)).equals(bytes.subarray(0, 4 * MAX_READ)),
  ).toBe(true);
});

/** The ids of the READs answered so far. */
const answered = () => sftp.replies.filter((reply) => reply.kind === 'data').map((reply) => reply.id);
const settle = () => new Promise((r) => setTimeout(r, 50));

test('replies are paced to the client: at most half its window and one reply unacknowledged', async () => {
  const handle = await openBig();
  for (let i = 0; i < 12; i++) sftp.emit('READ', 10 + i, handle, i * MAX_READ, MAX_READ);
  await settle();
  // After 5 replies (1,305,600 bytes) what is unacknowledged is within 1 MiB + 255 KiB, so a sixth goes.
  expect(answered()).toEqual([10, 11, 12, 13, 14, 15]);
  sftp.adjust(2 * MAX_READ);
  await settle();
  expect(answered()).toHaveLength(8);
  sftp.adjust(WINDOW);
  const all = await replies(13);
  expect(
    Buffer.concat(all.slice(1).map((reply) => reply.value as Buffer)).equals(
      bytes.subarray(0, 12 * MAX_READ),
    ),
  ).toBe(true);
});

test('a client that opens its window only once it is used up is no longer paced, after a short wait', async () => {
  const handle = await openBig();
  for (let i = 0; i < 8; i++) sftp.emit('READ', 10 + i, handle, i * MAX_READ, MAX_READ);
  await replies(7);
  expect(answered()).toHaveLength(6);
  // No WINDOW_ADJUST comes: after its patience the session sends on, up to the window ssh2 enforces.
  await replies(9);
  expect(answered()).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
});

test('closing while a reply waits for a window that never opens does not hang, and records the download', async () => {
  const handle = await openBig();
  sftp.windowOpen = false;
  sftp.emit('READ', 10, handle, 0, MAX_READ);
  sftp.emit('READ', 11, handle, MAX_READ, MAX_READ);
  await replies(2);
  await session.close();
  // The READ queued behind the waiting reply is refused, not served, after the close.
  expect(sftp.replies.map((reply) => [reply.id, reply.kind])).toEqual([
    [1, 'handle'],
    [10, 'data'],
    [11, 'status'],
  ]);
  // The waiting reply never went: the download is recorded with nothing sent.
  expect(await downloadsRecorded()).toEqual([expect.objectContaining({ bytes: 0, complete: false })]);
});

test('a reply counts as sent once it went: after drain, not when handed over', async () => {
  const handle = await openBig();
  sftp.windowOpen = false;
  sftp.emit('READ', 10, handle, 0, MAX_READ);
  await replies(2);
  sftp.windowOpen = true;
  sftp.emit('drain');
  sftp.emit('READ', 11, handle, MAX_READ, MAX_READ);
  await replies(3);
  sftp.emit('CLOSE', 12, handle);
  await replies(4);
  expect(await downloadsRecorded()).toEqual([expect.objectContaining({ bytes: 2 * MAX_READ })]);
});

test('whatever window the client gives, and paced or not, at most 16 MiB goes unacknowledged', async () => {
  const huge = randomBytes(80 * MAX_READ);
  const transfer = await app.handlers.upload.begin(OPERATOR, {
    name: 'huge.bin' as FileName,
    size: huge.length,
  });
  await transfer.write(huge);
  if (!(await transfer.finish()).ok) throw new Error('seeding failed');
  sftp.outgoing.window = 1024 * 1024 * 1024;
  sftp.emit('OPEN', 1, '/huge.bin', 0x1, {});
  const handle = (await replies(1))[0].value as Buffer;
  for (let i = 0; i < 80; i++) sftp.emit('READ', 10 + i, handle, i * MAX_READ, MAX_READ);
  // Past the pacing's patience too: the bound still holds. 64 replies are within 16 MiB, a 65th goes.
  await new Promise((r) => setTimeout(r, 400));
  expect(answered()).toHaveLength(65);
  sftp.adjust(16 * 1024 * 1024);
  await replies(81);
  expect(answered()).toHaveLength(80);
});

test('a channel no longer open is not waited for', async () => {
  const handle = await openBig();
  for (let i = 0; i < 8; i++) sftp.emit('READ', 10 + i, handle, i * MAX_READ, MAX_READ);
  await settle();
  expect(answered()).toHaveLength(6);
  sftp.outgoing.state = 'closed';
  sftp.emit('window');
  await replies(9);
  expect(answered()).toHaveLength(8);
});

async function downloadsRecorded(): Promise<unknown[]> {
  await app.ledger.drain();
  const downloads = [];
  for await (const event of log.read(0)) if (event.type === 'FileDownloaded') downloads.push(event.payload);
  return downloads;
}
