import { randomFillSync } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FerryClient, openTls } from '../src/transport/client/ferry-client';
import { FerryError } from '../src/transport/client/ferry-error';
import { addFerryAccount, FerryServerProcess, startFerryServer } from './lib/ferry-server-process';
import { elapsedMs, now, peakRssKiB, resetPeakRss, rssKiB, sleep } from './lib/processes';
import { RawConnection } from './lib/raw-connection';
import { writeRandomFile } from './lib/random-file';
import { figure, heading, note, rateFigure, ratioFigure } from './lib/report';
import { KiB, median, megabytesPerSecond, MiB, perSecond, round } from './lib/stats';
import { makeSelfSignedCertificate, SelfSignedCertificate } from './lib/tls-certificate';

/**
 * What Ferry's defences cost, against real `ferry serve` children (disk storage, 127.0.0.1, accounts,
 * so every client must log in), with FerryClient and raw sockets in this process:
 *  1. logins with the real argon2id settings, one at a time and from 8 connections at once;
 *  2. a 256 MiB upload and download over plain TCP and over TLS, side by side;
 *  3. a 256 MiB download alone and while 16 connections keep failing logins;
 *  4. server memory under 300 slow-loris connections, and under 300 that pipeline LIST and never read.
 */

export interface SecurityOptions {
  readonly reps: number;
}

const USER = 'bench';
const PASSWORD = 'bench-password-1';
/** The flood fails logins as this second account, so the downloading account is never the one failing. */
const INTRUDER = 'intruder';
const INTRUDER_PASSWORD = 'intruder-password-1';
const WRONG_PASSWORD = 'not-the-right-password';

const BIG = 256 * MiB;
const BIG_NAME = 'bench/256m.bin';
const CLIENT_READ = 256 * KiB;
const SEQUENTIAL_LOGINS = 10;
const CONCURRENT_CONNECTIONS = 8;
const CONCURRENT_LOGINS = 48;
const FLOOD_CONNECTIONS = 16;
const ATTACK_CONNECTIONS = 300;
const TRICKLE_BYTES = 2000;
const TRICKLE_PAUSE_MS = 1;
const CATALOGUE_FILES = 200;
const LISTS_PER_CONNECTION = 2000;
const TIMEOUT_MS = 120_000;

/**
 * Limits opened up for the experiments (a flood from 127.0.0.1 must not be banned, 300 connections from one
 * address must be let in, a trickled line must not be cut by its deadline); every other setting is the
 * default, argon2id's cost included.
 */
const FLAGS = [
  '--max-connections-per-address',
  '1000',
  '--line-timeout',
  '600',
  '--login-timeout',
  '600',
  '--idle-timeout',
  '600',
  '--ban-failures',
  '1000000',
];

type Samples = Record<string, number[]>;

export async function securityBenchmark(options: SecurityOptions): Promise<void> {
  heading('security: login cost, TLS, a login flood, slow clients (ferry serve with accounts)');
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-security-'));
  const servers: FerryServerProcess[] = [];
  try {
    const bigFile = join(work, '256m.bin');
    writeRandomFile(bigFile, BIG);
    mkdirSync(join(work, 'tls'));
    const certificate = makeSelfSignedCertificate(join(work, 'tls'));
    const plainDir = join(work, 'data-plain');
    const tlsDir = join(work, 'data-tls');
    const memoryDir = join(work, 'data-memory');
    for (const dir of [plainDir, tlsDir, memoryDir]) addFerryAccount(dir, USER, PASSWORD);
    addFerryAccount(plainDir, INTRUDER, INTRUDER_PASSWORD);
    note(`scratch folder ${work} (removed at the end); server flags: ${FLAGS.join(' ')}`);

    const plain = await startFerryServer(plainDir, FLAGS);
    servers.push(plain);
    const tls = await startFerryServer(tlsDir, [
      ...FLAGS,
      '--tls-cert',
      certificate.certFile,
      '--tls-key',
      certificate.keyFile,
    ]);
    servers.push(tls);

    reportLogins(await loginRounds(options.reps, plain));
    reportTls(await tlsRounds(options.reps, plain, tls, certificate, bigFile));
    reportFlood(await floodRounds(options.reps, plain));
    for (const server of servers.splice(0)) await stopServer(server);

    const listReplyBytes = await fillCatalogue(memoryDir);
    reportMemory(await memoryRounds(options.reps, memoryDir), listReplyBytes);
  } finally {
    for (const server of servers) await stopServer(server);
    rmSync(work, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ helpers

function discard(): Writable {
  return new Writable({ highWaterMark: MiB, write: (_chunk, _encoding, callback) => callback() });
}

function withTimeout<T>(work: Promise<T>, label: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} took over ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function push(samples: Samples, key: string, value: number | undefined): void {
  samples[key] ??= [];
  if (value !== undefined) samples[key].push(value);
}

async function timed(samples: Samples, key: string, work: () => Promise<unknown>): Promise<void> {
  const started = now();
  await withTimeout(work(), key);
  push(samples, key, elapsedMs(started));
}

async function stopServer(server: FerryServerProcess): Promise<void> {
  const code = await server.stop();
  if (code !== 0) note(`ferry serve exited ${code}`);
}

async function connected(server: FerryServerProcess, count: number): Promise<FerryClient[]> {
  return Promise.all(Array.from({ length: count }, () => FerryClient.connect(server)));
}

async function logOutAll(clients: readonly FerryClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.logout().catch(() => client.destroy())));
}

/** RSS in MB (10^6 bytes; /proc's "kB" are KiB). */
function rssMB(pid: number): number | undefined {
  const kib = rssKiB(pid);
  return kib === undefined ? undefined : (kib * KiB) / 1e6;
}

function peakMB(pid: number): number | undefined {
  const kib = peakRssKiB(pid);
  return kib === undefined ? undefined : (kib * KiB) / 1e6;
}

function valueFigure(name: string, unit: string, samples: readonly number[], digits = 0): number | 'NA' {
  const value = samples.length === 0 ? 'NA' : median(samples);
  figure({ name, value, unit, samples }, digits);
  return value;
}

function fmt(value: number | 'NA', digits = 0): string {
  return value === 'NA' ? 'NA' : round(value, digits).toFixed(digits);
}

// ------------------------------------------------------------------ 1. logins

/**
 * Each round: 10 logins one after another, each on a connection opened beforehand (only the LOGIN round
 * trip is timed), and 48 logins from 8 connections at once (8 workers, each logging in on the next of 48
 * connections opened beforehand). The order of the two alternates between rounds.
 */
async function loginRounds(reps: number, server: FerryServerProcess): Promise<Samples> {
  const samples: Samples = {};
  const sequential = async () => {
    const clients = await connected(server, SEQUENTIAL_LOGINS);
    const latencies: number[] = [];
    for (const client of clients) {
      const started = now();
      await withTimeout(client.login(USER, PASSWORD), 'login');
      latencies.push(elapsedMs(started));
    }
    push(samples, 'sequential', median(latencies));
    await logOutAll(clients);
  };
  const concurrent = async () => {
    const clients = await connected(server, CONCURRENT_LOGINS);
    let next = 0;
    const worker = async () => {
      while (next < clients.length) await clients[next++].login(USER, PASSWORD);
    };
    await timed(samples, 'concurrent', () =>
      Promise.all(Array.from({ length: CONCURRENT_CONNECTIONS }, worker)),
    );
    await logOutAll(clients);
  };
  // Untimed: warms the JIT on both sides and the credential store's first read.
  const warm = await connected(server, 2);
  for (const client of warm) await client.login(USER, PASSWORD);
  await logOutAll(warm);
  for (let rep = 0; rep < reps; rep++) {
    note(`login round ${rep + 1}/${reps}`);
    const order = rep % 2 === 0 ? [sequential, concurrent] : [concurrent, sequential];
    for (const phase of order) await phase();
  }
  return samples;
}

function reportLogins(s: Samples): void {
  note(
    'LOGIN with the real argon2id cost (19 MiB, 2 passes, parallelism 1); the server verifies at most 2 hashes at once.',
  );
  note(
    `  sequential: the median of ${SEQUENTIAL_LOGINS} logins per round, one after another (LOGIN round trip only, connection already open);`,
  );
  note(
    `  8conn: ${CONCURRENT_LOGINS} logins by ${CONCURRENT_CONNECTIONS} concurrent connections, logins per second over the whole batch.`,
  );
  const latency = valueFigure('ferry_login_latency_sequential', 'ms', s.sequential ?? [], 1);
  const rate = rateFigure(
    `ferry_login_rate_${CONCURRENT_CONNECTIONS}conn`,
    'logins/s',
    s.concurrent ?? [],
    (ms) => perSecond(CONCURRENT_LOGINS, ms),
    1,
  );
  if (latency !== 'NA' && rate !== 'NA') {
    note(
      `summary: one login takes ${fmt(latency, 1)} ms; 8 connections get ${fmt(rate, 1)} logins/s, ` +
        `${fmt((rate * latency) / 1000, 2)}x the sequential rate (${fmt(1000 / latency, 1)}/s): ` +
        'the 2-hash queue and the 2 cores are the ceiling.',
    );
  }
}

// ------------------------------------------------------------------ 2. TLS

/** Each round: the 256 MiB upload to both servers, then the download from both; who goes first alternates. */
async function tlsRounds(
  reps: number,
  plain: FerryServerProcess,
  tls: FerryServerProcess,
  certificate: SelfSignedCertificate,
  bigFile: string,
): Promise<Samples> {
  const samples: Samples = {};
  const plainClient = await FerryClient.connect(plain);
  const tlsClient = await FerryClient.connect(tls, { tls: true, ca: certificate.pem });
  await plainClient.login(USER, PASSWORD);
  await tlsClient.login(USER, PASSWORD);
  const source = () => createReadStream(bigFile, { highWaterMark: CLIENT_READ });
  try {
    note(`TLS as negotiated: ${await negotiated(tls, certificate)}`);
    for (let rep = 0; rep < reps; rep++) {
      note(`TLS round ${rep + 1}/${reps}`);
      const uploads: [string, () => Promise<unknown>][] = [
        ['plainUp', () => plainClient.upload(BIG_NAME, source(), BIG)],
        ['tlsUp', () => tlsClient.upload(BIG_NAME, source(), BIG)],
      ];
      const downloads: [string, () => Promise<unknown>][] = [
        ['plainDown', () => plainClient.download(BIG_NAME, discard())],
        ['tlsDown', () => tlsClient.download(BIG_NAME, discard())],
      ];
      if (rep % 2 === 1) {
        uploads.reverse();
        downloads.reverse();
      }
      for (const [key, work] of [...uploads, ...downloads]) await timed(samples, key, work);
    }
  } finally {
    await logOutAll([plainClient, tlsClient]);
  }
  return samples;
}

/** The protocol and cipher a FerryClient and the server agree on (its own TLS connection, then closed). */
async function negotiated(server: FerryServerProcess, certificate: SelfSignedCertificate): Promise<string> {
  const socket = await openTls(server, { ca: certificate.pem });
  try {
    return `${socket.getProtocol()} ${socket.getCipher().name}`;
  } finally {
    socket.destroy();
  }
}

function reportTls(s: Samples): void {
  note(
    '256 MiB of random bytes on one logged-in connection per server, plain TCP vs TLS (self-signed P-256 ' +
      'certificate, Node defaults); the same flags and disk storage on both servers; downloads go into a ' +
      'discarding Writable:',
  );
  const rate = (ms: number) => megabytesPerSecond(BIG, ms);
  const plainUp = rateFigure('ferry_upload_256m_plain', 'MB/s', s.plainUp ?? [], rate);
  const tlsUp = rateFigure('ferry_upload_256m_tls', 'MB/s', s.tlsUp ?? [], rate);
  const plainDown = rateFigure('ferry_download_256m_plain', 'MB/s', s.plainDown ?? [], rate);
  const tlsDown = rateFigure('ferry_download_256m_tls', 'MB/s', s.tlsDown ?? [], rate);
  ratioFigure('ferry_upload_256m_tls_vs_plain', tlsUp, plainUp);
  ratioFigure('ferry_download_256m_tls_vs_plain', tlsDown, plainDown);
  note(
    `summary: upload ${fmt(plainUp)} MB/s plain, ${fmt(tlsUp)} MB/s TLS; ` +
      `download ${fmt(plainDown)} MB/s plain, ${fmt(tlsDown)} MB/s TLS.`,
  );
}

// ------------------------------------------------------------------ 3. login flood

/**
 * Each round: the 256 MiB download alone, and while 16 connections send LOGIN intruder <wrong password>
 * one after another (each waits for its refusal, then sends the next), order alternating. The flood runs
 * 0.5 s before the download starts, so the hash queue is full when it does.
 */
async function floodRounds(reps: number, server: FerryServerProcess): Promise<Samples> {
  const samples: Samples = {};
  const client = await FerryClient.connect(server);
  await client.login(USER, PASSWORD);
  const download = () => client.download(BIG_NAME, discard());
  try {
    for (let rep = 0; rep < reps; rep++) {
      note(`login-flood round ${rep + 1}/${reps}`);
      const alone = () => timed(samples, 'alone', download);
      const flooded = async () => {
        const flood = await startLoginFlood(server);
        try {
          await sleep(500);
          const before = flood.failures();
          const started = now();
          await withTimeout(download(), 'download under flood');
          const ms = elapsedMs(started);
          push(samples, 'flooded', ms);
          push(samples, 'floodRate', perSecond(flood.failures() - before, ms));
        } finally {
          await flood.stop();
        }
        if (flood.unexpected() > 0) note(`  ${flood.unexpected()} flood replies were not "login failed"`);
      };
      for (const phase of rep % 2 === 0 ? [alone, flooded] : [flooded, alone]) await phase();
    }
  } finally {
    await logOutAll([client]);
  }
  return samples;
}

interface LoginFlood {
  failures(): number;
  unexpected(): number;
  stop(): Promise<void>;
}

async function startLoginFlood(server: FerryServerProcess): Promise<LoginFlood> {
  let stopping = false;
  let failures = 0;
  let unexpected = 0;
  const clients = await connected(server, FLOOD_CONNECTIONS);
  const worker = async (client: FerryClient) => {
    while (!stopping) {
      try {
        await client.login(INTRUDER, WRONG_PASSWORD);
        unexpected++;
      } catch (error) {
        if (error instanceof FerryError && error.code === 'UNAUTHENTICATED') failures++;
        else {
          unexpected++;
          return;
        }
      }
    }
  };
  const running = Promise.all(clients.map(worker));
  return {
    failures: () => failures,
    unexpected: () => unexpected,
    stop: async () => {
      stopping = true;
      await withTimeout(running, 'login flood to stop');
      await logOutAll(clients);
    },
  };
}

function reportFlood(s: Samples): void {
  note(
    `256 MiB download (account ${USER}) alone vs while ${FLOOD_CONNECTIONS} connections fail LOGIN as ${INTRUDER} ` +
      'back to back (each a full argon2id verify; --ban-failures 1000000 so 127.0.0.1 is never banned):',
  );
  const rate = (ms: number) => megabytesPerSecond(BIG, ms);
  const alone = rateFigure('ferry_download_256m_alone', 'MB/s', s.alone ?? [], rate);
  const flooded = rateFigure('ferry_download_256m_login_flood', 'MB/s', s.flooded ?? [], rate);
  ratioFigure('ferry_download_256m_login_flood_vs_alone', flooded, alone);
  const failed = valueFigure('ferry_login_flood_failed_logins_rate', 'logins/s', s.floodRate ?? [], 1);
  note(
    `summary: download ${fmt(alone)} MB/s alone, ${fmt(flooded)} MB/s under a flood of ${fmt(failed, 1)} ` +
      'failed logins/s.',
  );
}

// ------------------------------------------------------------------ 4. memory under slow clients

/** Uploads CATALOGUE_FILES small files, so that each LIST reply has that many lines; returns a reply's size. */
async function fillCatalogue(dataDir: string): Promise<number> {
  const server = await startFerryServer(dataDir, FLAGS);
  try {
    const client = await FerryClient.connect(server);
    await client.login(USER, PASSWORD);
    const body = randomFillSync(Buffer.alloc(KiB));
    await Promise.all(
      Array.from({ length: CATALOGUE_FILES }, (_, i) =>
        client.upload(`reports/2026/report-${String(i + 1).padStart(4, '0')}.pdf`, oneChunk(body), KiB),
      ),
    );
    await client.logout();
    return await listReplyBytes(server);
  } finally {
    await stopServer(server);
  }
}

async function* oneChunk(buffer: Buffer): AsyncIterable<Uint8Array> {
  yield buffer;
}

/** The size of one LIST reply, its `OK count=N` line and N file lines, counted on a raw connection. */
async function listReplyBytes(server: FerryServerProcess): Promise<number> {
  const connection = await RawConnection.open(server.host, server.port);
  try {
    connection.write(`LOGIN ${USER} ${PASSWORD}\nLIST\n`);
    const login = await connection.nextLine();
    if (!login?.startsWith('OK')) throw new Error(`login refused: ${login}`);
    const head = await connection.nextLine();
    const count = Number(/count=(\d+)/.exec(head ?? '')?.[1]);
    let bytes = (head?.length ?? 0) + 1;
    for (let i = 0; i < count; i++) bytes += ((await connection.nextLine())?.length ?? 0) + 1;
    return bytes;
  } finally {
    connection.destroy();
  }
}

async function openRaw(server: FerryServerProcess, count: number): Promise<RawConnection[]> {
  const connections: RawConnection[] = [];
  // In batches, so the listen backlog never overflows into SYN retransmits.
  for (let i = 0; i < count; i += 50) {
    const batch = Math.min(50, count - i);
    connections.push(
      ...(await Promise.all(
        Array.from({ length: batch }, () => RawConnection.open(server.host, server.port)),
      )),
    );
  }
  return connections;
}

/**
 * Each round, on a fresh server process (the data folder holds one account and CATALOGUE_FILES files):
 *  slow loris: RSS idle, with 300 connections greeted, then after each of them trickled an unfinished
 *   request line of 2,000 bytes, one byte per TCP segment (no delay; every connection gets one byte, then
 *   a 1 ms pause, 2,000 times);
 *  LIST flood: RSS idle, with 300 connections logged in, then 2 s and 4 s after each of them wrote 2,000
 *   pipelined LIST requests and stopped reading (socket paused).
 */
async function memoryRounds(reps: number, dataDir: string): Promise<Samples> {
  const samples: Samples = {};
  for (let rep = 0; rep < reps; rep++) {
    note(`memory round ${rep + 1}/${reps}`);
    await slowLorisRound(samples, dataDir);
    await listFloodRound(samples, dataDir);
  }
  return samples;
}

async function slowLorisRound(samples: Samples, dataDir: string): Promise<void> {
  const server = await startFerryServer(dataDir, FLAGS);
  let connections: RawConnection[] = [];
  try {
    await sleep(500);
    push(samples, 'lorisIdle', rssMB(server.pid));
    connections = await openRaw(server, ATTACK_CONNECTIONS);
    await sleep(500);
    push(samples, 'lorisConnected', rssMB(server.pid));
    resetPeakRss(server.pid);
    const line = Buffer.from(`LIST reports/${'x'.repeat(TRICKLE_BYTES)}`).subarray(0, TRICKLE_BYTES);
    const started = now();
    for (let i = 0; i < TRICKLE_BYTES; i++) {
      const byte = line.subarray(i, i + 1);
      for (const connection of connections) connection.write(byte);
      await sleep(TRICKLE_PAUSE_MS);
    }
    push(samples, 'lorisTrickleMs', elapsedMs(started));
    await sleep(500);
    push(samples, 'lorisAfter', rssMB(server.pid));
    push(samples, 'lorisPeak', peakMB(server.pid));
    push(samples, 'lorisOpen', connections.filter((c) => !c.isClosed).length);
  } finally {
    for (const connection of connections) connection.destroy();
    await stopServer(server);
  }
}

async function listFloodRound(samples: Samples, dataDir: string): Promise<void> {
  const server = await startFerryServer(dataDir, FLAGS);
  let connections: RawConnection[] = [];
  try {
    await sleep(500);
    push(samples, 'listIdle', rssMB(server.pid));
    connections = await openRaw(server, ATTACK_CONNECTIONS);
    const started = now();
    const replies = await withTimeout(
      Promise.all(
        connections.map((connection) => {
          connection.write(`LOGIN ${USER} ${PASSWORD}\n`);
          return connection.nextLine(TIMEOUT_MS);
        }),
      ),
      '300 logins',
    );
    push(samples, 'listLoginMs', elapsedMs(started));
    const refused = replies.filter((reply) => !reply?.startsWith('OK')).length;
    if (refused > 0) note(`  ${refused} of ${ATTACK_CONNECTIONS} logins failed`);
    await sleep(500);
    push(samples, 'listLoggedIn', rssMB(server.pid));
    resetPeakRss(server.pid);
    const requests = 'LIST\n'.repeat(LISTS_PER_CONNECTION);
    for (const connection of connections) {
      connection.socket.pause();
      connection.write(requests);
    }
    await sleep(2000);
    push(samples, 'list2s', rssMB(server.pid));
    await sleep(2000);
    push(samples, 'list4s', rssMB(server.pid));
    push(samples, 'listPeak', peakMB(server.pid));
    push(samples, 'listOpen', connections.filter((c) => !c.isClosed).length);
  } finally {
    for (const connection of connections) connection.destroy();
    await stopServer(server);
  }
}

function reportMemory(s: Samples, listReplyBytes: number): void {
  const n = ATTACK_CONNECTIONS;
  note(
    `server memory (VmRSS of the ferry serve process, MB = 10^6 bytes), ${n} connections from 127.0.0.1, ` +
      'a fresh server per round. The limits were opened up for this (--max-connections-per-address 1000, ' +
      '--line-timeout 600, --login-timeout 600, --idle-timeout 600). With the defaults only 32 of these ' +
      'connections would be let in from one address, and a slow loris that keeps its line open past 30 s ' +
      '(the line deadline) or never logs in within 30 s (the login deadline) is cut; this trickle ends sooner.',
  );
  note(
    `slow loris: each connection trickles "LIST reports/xxx..." (${TRICKLE_BYTES} bytes, no line feed) one byte ` +
      `per TCP segment, all ${n} in turn, ${TRICKLE_PAUSE_MS} ms pause between turns:`,
  );
  const idle = valueFigure('ferry_slowloris_rss_idle', 'MB', s.lorisIdle ?? [], 1);
  const greeted = valueFigure(`ferry_slowloris_rss_${n}_connected`, 'MB', s.lorisConnected ?? [], 1);
  const after = valueFigure(`ferry_slowloris_rss_${n}_after_${TRICKLE_BYTES}B`, 'MB', s.lorisAfter ?? [], 1);
  valueFigure(`ferry_slowloris_peak_rss_${n}_trickling`, 'MB', s.lorisPeak ?? [], 1);
  valueFigure('ferry_slowloris_trickle_time', 'ms', s.lorisTrickleMs ?? []);
  valueFigure('ferry_slowloris_connections_still_open', 'connections', s.lorisOpen ?? []);
  if (idle !== 'NA' && greeted !== 'NA' && after !== 'NA') {
    note(
      `summary: ${fmt(greeted - idle, 1)} MB for ${n} idle connections ` +
        `(${fmt(((greeted - idle) * 1e6) / KiB / n, 1)} KiB each), ${fmt(after - greeted, 1)} MB more once each ` +
        `had sent ${TRICKLE_BYTES} bytes of an unfinished line (${fmt(((after - greeted) * 1e6) / n, 0)} bytes each; ` +
        'the line decoder keeps a buffer of about 2 KiB per connection for the line itself; the rest is other ' +
        `memory the process took while handling ${n * TRICKLE_BYTES} one-byte segments).`,
    );
  }
  note(
    `LIST flood: each connection logs in, then writes ${LISTS_PER_CONNECTION} pipelined "LIST" requests ` +
      `(each reply ${listReplyBytes} bytes: ${CATALOGUE_FILES} files) and never reads (socket paused).`,
  );
  note(
    'The server answers until each connection has filled its kernel socket buffers (not in RSS) and its own ' +
      'reply queue (at most 64 replies and 256 KiB of reply text per session); at 2 s and 4 s it is still ' +
      'answering, so these figures are on the way up, not a plateau. RSS also counts garbage the V8 heap has ' +
      'not collected yet.',
  );
  const listIdle = valueFigure('ferry_list_flood_rss_idle', 'MB', s.listIdle ?? [], 1);
  const loggedIn = valueFigure(`ferry_list_flood_rss_${n}_logged_in`, 'MB', s.listLoggedIn ?? [], 1);
  const at2 = valueFigure(`ferry_list_flood_rss_${n}_after_2s`, 'MB', s.list2s ?? [], 1);
  const at4 = valueFigure(`ferry_list_flood_rss_${n}_after_4s`, 'MB', s.list4s ?? [], 1);
  valueFigure(`ferry_list_flood_peak_rss_${n}`, 'MB', s.listPeak ?? [], 1);
  valueFigure(`ferry_list_flood_${n}_logins_time`, 'ms', s.listLoginMs ?? []);
  valueFigure('ferry_list_flood_connections_still_open', 'connections', s.listOpen ?? []);
  if (listIdle !== 'NA' && loggedIn !== 'NA' && at2 !== 'NA' && at4 !== 'NA') {
    note(
      `summary: ${fmt(loggedIn - listIdle, 1)} MB for ${n} logged-in connections; ${fmt(at2 - loggedIn, 1)} MB more ` +
        `2 s into the flood (${fmt(((at2 - loggedIn) * 1e6) / KiB / n, 0)} KiB per connection), ` +
        `${fmt(at4 - loggedIn, 1)} MB at 4 s.`,
    );
  }
}
