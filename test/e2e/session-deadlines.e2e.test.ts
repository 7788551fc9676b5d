import { once } from 'node:events';
import { connect } from 'node:net';
import { EventRow, readEvents } from '../support/audit-db';
import { addAccount, PASSWORD } from '../support/accounts';
import { RawConnection } from '../support/raw-connection';
import { removeDir, startTestServer, TestServer } from '../support/test-server';
import { quoteWord } from '../../src/transport/codec/words';
import { ServerOptions } from '../../src/transport/server-options';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Every deadline here is under a second: a session that is never cut should fail fast, not hang.
jest.setTimeout(15_000);

/** Polls the log (the server records a close just after the socket goes) until `ready` holds. */
async function waitForLog(ferry: TestServer, ready: (rows: EventRow[]) => boolean): Promise<EventRow[]> {
  for (let tries = 0; tries < 200; tries++) {
    await ferry.app.ledger.drain();
    const rows = readEvents(ferry.dataDir);
    if (ready(rows)) return rows;
    await sleep(25);
  }
  throw new Error('the log never reached the expected state');
}

/** The reason the session `session` was closed with, once it is recorded. */
async function closeReason(ferry: TestServer, session: string): Promise<unknown> {
  const rows = await waitForLog(ferry, (all) =>
    all.some((row) => row.type === 'SessionClosed' && row.session === session),
  );
  return rows.find((row) => row.type === 'SessionClosed' && row.session === session)?.payload.reason;
}

/** A raw connection, and its session id (from the log: the one session opened meanwhile). */
async function openWithSession(ferry: TestServer): Promise<{ raw: RawConnection; session: string }> {
  const sessionsBefore = new Set(readEvents(ferry.dataDir).map((row) => row.session));
  const raw = await RawConnection.open(ferry.address);
  const rows = await waitForLog(ferry, (all) =>
    all.some((row) => row.type === 'SessionOpened' && !sessionsBefore.has(row.session)),
  );
  const opened = rows.filter((row) => row.type === 'SessionOpened' && !sessionsBefore.has(row.session));
  expect(opened).toHaveLength(1);
  return { raw, session: opened[0].session };
}

/** Every line until the server closes the connection, and how long after `since` it closed. */
async function linesUntilClosed(
  raw: RawConnection,
  since: number,
): Promise<{ lines: string[]; afterMs: number }> {
  const lines = await raw.lines(Number.MAX_SAFE_INTEGER);
  await raw.closed();
  return { lines, afterMs: Date.now() - since };
}

async function withServer(
  server: Partial<ServerOptions>,
  run: (ferry: TestServer) => Promise<void>,
): Promise<void> {
  const ferry = await startTestServer({ server });
  try {
    await run(ferry);
  } finally {
    await ferry.stop();
    removeDir(ferry.dataDir);
  }
}

describe('the login deadline', () => {
  it('cuts a session that has not logged in with ERR TIMEOUT, recorded as login-timeout; requests do not extend it', async () => {
    await withServer({ loginTimeoutMs: 500 }, async (ferry) => {
      await addAccount(ferry.app, 'alice', 'write');
      // The greeting itself says a login is required.
      const socket = connect(ferry.address.port, ferry.address.host);
      const [greeting] = (await once(socket, 'data')) as [Buffer];
      expect(greeting.toString()).toMatch(/^OK ferry\/1 session=\S+ login=required /);
      socket.destroy();

      const started = Date.now();
      const { raw, session } = await openWithSession(ferry);
      // Traffic, answered or not, is no login: it does not move the deadline.
      for (let i = 0; i < 4; i++) {
        raw.send(i % 2 === 0 ? 'HELP\n' : '\n');
        await sleep(100);
      }
      const { lines, afterMs } = await linesUntilClosed(raw, started);
      expect(lines[lines.length - 1]).toMatch(/^ERR TIMEOUT \S/);
      expect(lines.filter((line) => line.startsWith('ERR TIMEOUT'))).toHaveLength(1);
      expect(afterMs).toBeGreaterThanOrEqual(450);
      expect(afterMs).toBeLessThan(2000);
      expect(await closeReason(ferry, session)).toBe('login-timeout');
    });
  });

  it('does not cut a session that logs in in time', async () => {
    await withServer({ loginTimeoutMs: 500 }, async (ferry) => {
      await addAccount(ferry.app, 'alice', 'write');
      const { raw, session } = await openWithSession(ferry);
      raw.send(`LOGIN alice ${quoteWord(PASSWORD)}\n`);
      expect(await raw.lines(1)).toEqual([expect.stringMatching(/^OK user=alice role=write/)]);
      await sleep(800);
      raw.send('LIST\n');
      expect(await raw.lines(1)).toEqual(['OK count=0']);
      raw.send('LOGOUT\n');
      expect(await raw.lines(1)).toEqual(['OK bye']);
      await raw.closed();
      expect(await closeReason(ferry, session)).toBe('logout');
    });
  });

  it('does not apply while anonymous sessions are allowed (no accounts)', async () => {
    await withServer({ loginTimeoutMs: 300 }, async (ferry) => {
      const raw = await RawConnection.open(ferry.address);
      await sleep(600);
      raw.send('LIST\n');
      expect(await raw.lines(1)).toEqual(['OK count=0']);
      raw.destroy();
    });
  });
});

describe('the line deadline', () => {
  it('cuts a request line trickled byte by byte at the deadline, however often bytes come', async () => {
    await withServer({ lineTimeoutMs: 500 }, async (ferry) => {
      const { raw, session } = await openWithSession(ferry);
      let started = 0;
      let stop = false;
      const trickle = (async () => {
        for (const byte of 'LIST docs/a/very/long/prefix/that/keeps/coming\n') {
          if (stop) break;
          if (started === 0) started = Date.now();
          raw.send(byte);
          await sleep(100);
        }
      })();
      const [line] = await raw.lines(1);
      const cutAfter = Date.now() - started;
      stop = true;
      await trickle;
      await raw.closed();
      expect(line).toMatch(/^ERR TIMEOUT \S/);
      expect(cutAfter).toBeGreaterThanOrEqual(450);
      expect(cutAfter).toBeLessThan(1500);
      expect(await closeReason(ferry, session)).toBe('line-timeout');
    });
  });

  it('measures each line from its own first byte, and not between lines', async () => {
    await withServer({ lineTimeoutMs: 500 }, async (ferry) => {
      const raw = await RawConnection.open(ferry.address);
      for (let round = 0; round < 3; round++) {
        for (const byte of 'LIST\n') {
          raw.send(byte);
          await sleep(50);
        }
        expect(await raw.lines(1)).toEqual(['OK count=0']);
      }
      // Nothing pending, or only blank lines: no line deadline runs.
      raw.send('\r\n');
      await sleep(700);
      raw.send('LIST\n');
      expect(await raw.lines(1)).toEqual(['OK count=0']);
      raw.destroy();
    });
  });
});

describe('the idle timeout', () => {
  it('is not reset by blank lines: a peer sending only those is closed as idle', async () => {
    await withServer({ idleTimeoutMs: 600 }, async (ferry) => {
      const { raw, session } = await openWithSession(ferry);
      const started = Date.now();
      const ticker = setInterval(() => raw.send('\n'), 100);
      try {
        const { lines, afterMs } = await linesUntilClosed(raw, started);
        expect(lines).toEqual([]);
        expect(afterMs).toBeGreaterThanOrEqual(500);
        expect(afterMs).toBeLessThan(1200);
      } finally {
        clearInterval(ticker);
      }
      expect(await closeReason(ferry, session)).toBe('idle');
    });
  });

  it('is reset by requests and by upload bytes, however slow', async () => {
    await withServer({ idleTimeoutMs: 600 }, async (ferry) => {
      const raw = await RawConnection.open(ferry.address);
      for (let i = 0; i < 5; i++) {
        raw.send('LIST\n');
        expect(await raw.lines(1)).toEqual(['OK count=0']);
        await sleep(300);
      }
      raw.send('UPLOAD slow.txt 5\n');
      for (const byte of 'hello') {
        await sleep(300);
        raw.send(byte);
      }
      expect(await raw.lines(1)).toEqual([expect.stringMatching(/^OK version=1 size=5 /)]);
      raw.send('LOGOUT\n');
      expect(await raw.lines(1)).toEqual(['OK bye']);
    });
  });
});
