import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { FerryClient } from '../../src/transport/client/ferry-client';
import { MemoryEventLog } from '../../src/infra/memory-event-log';
import { readEvents } from '../support/audit-db';
import { RawConnection } from '../support/raw-connection';
import { chunksOf } from '../support/streams';
import { removeDir, serverPerSuite, startTestServer } from '../support/test-server';

describe('bad input over a real socket', () => {
  const ferry = serverPerSuite();

  /** Whatever one connection did, another must still be served. */
  async function serverStillServes(): Promise<void> {
    const client = await ferry.connect();
    const name = `alive-${randomBytes(4).toString('hex')}`;
    await client.upload(name, chunksOf(Buffer.from('ok')), 2);
    expect((await client.list(name)).map((file) => file.name)).toEqual([name]);
    await client.logout();
  }

  it('answers an unknown command with UNKNOWN_COMMAND and goes on', async () => {
    const raw = await RawConnection.open(ferry.address);
    raw.send('FETCH everything\nLIST\n');
    const [error, listed] = await raw.lines(2);
    expect(error).toMatch(/^ERR UNKNOWN_COMMAND /);
    expect(listed).toMatch(/^OK count=/);
    raw.destroy();
  });

  it('refuses a name with ".." with BAD_NAME, also on UPLOAD whose body it skips', async () => {
    const raw = await RawConnection.open(ferry.address);
    raw.send('DELETE ../etc/passwd\nUPLOAD ../evil 5\nAAAAADOWNLOAD a/../../b\nHELP\n');
    const lines = await raw.lines(3);
    expect(lines.slice(0, 3).map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual([
      'ERR BAD_NAME',
      'ERR BAD_NAME',
      'ERR BAD_NAME',
    ]);
    expect((await raw.lines(1))[0]).toMatch(/^OK lines=/);
    raw.destroy();
    await serverStillServes();
  });

  it('answers DOWNLOAD and DELETE of a missing name with NOT_FOUND', async () => {
    const raw = await RawConnection.open(ferry.address);
    raw.send('DOWNLOAD "no such file.txt"\nDELETE "no such file.txt"\n');
    const lines = await raw.lines(2);
    expect(lines.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual([
      'ERR NOT_FOUND',
      'ERR NOT_FOUND',
    ]);
    raw.destroy();
  });

  it('answers malformed requests with BAD_REQUEST and keeps the connection', async () => {
    const raw = await RawConnection.open(ferry.address);
    // (An UPLOAD whose size cannot be read closes the connection instead: request-smuggling.e2e.test.ts.)
    raw.send('UPLOAD x.txt 0 colour=red\nDELETE a b\nDELETE "unterminated\nDOWNLOAD x version=zero\nLIST\n');
    const lines = await raw.lines(5);
    expect(lines.slice(0, 4).every((line) => line.startsWith('ERR BAD_REQUEST '))).toBe(true);
    expect(lines[4]).toMatch(/^OK count=/);
    raw.destroy();
  });

  it('closes the connection after LINE_TOO_LONG, and serves others', async () => {
    const raw = await RawConnection.open(ferry.address);
    raw.send(Buffer.alloc(20_000, 'a'));
    const [line] = await raw.lines(1);
    expect(line).toMatch(/^ERR LINE_TOO_LONG /);
    await raw.closed();
    await serverStillServes();
  });

  it('survives random bytes: every reply is an error or OK, and the server serves on', async () => {
    for (let run = 0; run < 20; run++) {
      const raw = await RawConnection.open(ferry.address);
      raw.send(randomBytes(4096));
      raw.socket.end();
      const lines = await raw.lines(10_000);
      expect(lines.every((line) => /^(ERR [A-Z_]+ |OK )/.test(line) || line === '')).toBe(true);
      raw.destroy();
    }
    await serverStillServes();
  });

  it('records every refused command with its code', async () => {
    const raw = await RawConnection.open(ferry.address);
    raw.send('BOGUS\nDELETE ../x\nDELETE gone\n');
    await raw.lines(3);
    raw.send('LOGOUT\n');
    await raw.closed();
    await ferry.app.ledger.drain();
    const mine = readEvents(ferry.dataDir)
      .filter((event) => event.type === 'CommandRejected')
      .slice(-3);
    expect(mine.map((event) => [event.payload.command, event.payload.code])).toEqual([
      ['BOGUS', 'UNKNOWN_COMMAND'],
      ['DELETE', 'BAD_NAME'],
      ['DELETE', 'NOT_FOUND'],
    ]);
  });

  it('lets a slow client stall only itself', async () => {
    const stuck = await RawConnection.open(ferry.address);
    stuck.send('UPLOAD slow.bin 1000000\npartial');
    await serverStillServes();
    stuck.destroy();
  });
});

describe('a stuck client', () => {
  it('is disconnected after the idle timeout, its half upload discarded and recorded', async () => {
    const ferry = await startTestServer({ idleTimeoutMs: 300 });
    const stuck = await RawConnection.open(ferry.address);
    stuck.send('UPLOAD stuck.bin 1000\nonly a little');
    await stuck.closed();
    await ferry.stop(); // waits for every session to be recorded as closed
    const events = readEvents(ferry.dataDir);
    expect(events.map((event) => [event.type, event.payload.reason ?? event.payload.code])).toEqual([
      ['LogNamed', undefined],
      ['SessionOpened', undefined],
      ['CommandRejected', 'SIZE_MISMATCH'],
      ['SessionClosed', 'idle'],
    ]);
    expect(readdirSync(join(ferry.dataDir, 'tmp'))).toEqual([]);
    removeDir(ferry.dataDir);
  });
});

describe('a server whose audit log fails', () => {
  it('answers INTERNAL and closes that connection instead of crashing or acting unrecorded', async () => {
    const eventLog = new MemoryEventLog();
    const ferry = await startTestServer({ store: 'memory', overrides: { eventLog } });
    const raw = await RawConnection.open(ferry.address);
    eventLog.commit = async () => {
      throw new Error('disk full');
    };
    raw.send('LIST\n');
    const [line] = await raw.lines(1);
    expect(line).toMatch(/^ERR INTERNAL /);
    await raw.closed();
    await expect(ferry.connect()).rejects.toBeDefined();
    await ferry.server.stop(500).catch(() => undefined);
  });
});

describe('a client pointed at something that is not a Ferry server', () => {
  it.each([['220 FTP server ready\r\n'], ['OK smtp/1 hello\n']])(
    'refuses a %j greeting with PROTOCOL_ERROR and hangs up',
    async (greeting) => {
      let hungUp!: () => void;
      const closed = new Promise<void>((resolve) => (hungUp = resolve));
      const impostor = createServer((socket) => {
        socket.on('close', () => hungUp());
        socket.write(greeting);
      });
      await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', () => resolve()));
      const port = (impostor.address() as AddressInfo).port;
      await expect(FerryClient.connect({ host: '127.0.0.1', port })).rejects.toMatchObject({
        code: 'PROTOCOL_ERROR',
      });
      await closed;
      await new Promise((resolve) => impostor.close(resolve));
    },
  );
});
