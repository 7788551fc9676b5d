import { readdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { FerryClient } from '../../src/transport/client/ferry-client';
import { readEvents } from '../support/audit-db';
import { RawConnection } from '../support/raw-connection';
import { chunksOf, collector, randomFile, sha256 } from '../support/streams';
import { serverPerTest } from '../support/test-server';

async function roundTrip(client: FerryClient, name: string, bytes: Buffer): Promise<Buffer> {
  const stored = await client.upload(name, chunksOf(bytes), bytes.length, { sha256: sha256(bytes) });
  expect(stored).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
  const out = collector();
  const fetched = await client.download(name, out.sink);
  expect(fetched.version).toBe(stored.version);
  return out.bytes();
}

/** Polls a condition that another connection's work will make true. */
async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Ferry over TCP with disk storage and SQLite', () => {
  const servers = serverPerTest();

  it('round-trips 0-byte, 1-byte and multi-MiB random files byte for byte', async () => {
    const client = await servers.ferry.connect();
    for (const size of [0, 1, 5 * 1024 * 1024 + 7]) {
      const bytes = randomFile(size);
      expect((await roundTrip(client, `file-${size}.bin`, bytes)).equals(bytes)).toBe(true);
    }
    await client.logout();
  });

  it('streams a large upload under backpressure without piling up socket listeners', async () => {
    const client = await servers.ferry.connect();
    const socket = (client as unknown as { socket: Socket }).socket;
    const before = socket.listenerCount('close');
    const bytes = randomFile(48 * 1024 * 1024);
    await client.upload('large.bin', chunksOf(bytes, 16 * 1024), bytes.length);
    expect(socket.listenerCount('close')).toBe(before);
    await client.logout();
  });

  it('gives each body chunk back through `written` once the socket wrote it, and only once', async () => {
    const client = await servers.ferry.connect();
    const socket = (client as unknown as { socket: Socket }).socket;
    const bytes = randomFile(3 * 1024 * 1024 + 3);
    const SIZE = 256 * 1024;
    const chunks = Array.from({ length: Math.ceil(bytes.length / SIZE) }, (_, index) =>
      bytes.subarray(index * SIZE, (index + 1) * SIZE),
    );
    const given: Uint8Array[] = [];
    const early: Uint8Array[] = [];
    const write = socket.write.bind(socket);
    const finished = new Set<Uint8Array>();
    // Each chunk's write callback marks it finished: `written` must come after it, never before.
    socket.write = ((data: Uint8Array, ...rest: unknown[]) => {
      const callback = rest.find((arg): arg is (error?: Error | null) => void => typeof arg === 'function');
      return write(data, (error?: Error | null) => {
        finished.add(data);
        callback?.(error);
      });
    }) as typeof socket.write;
    const body = (async function* () {
      yield* chunks;
    })();
    const stored = await client.upload('given-back.bin', body, bytes.length, {
      sha256: sha256(bytes),
      written: (chunk) => {
        if (!finished.has(chunk)) early.push(chunk);
        given.push(chunk);
      },
    });
    expect(stored.sha256).toBe(sha256(bytes));
    expect(early).toEqual([]);
    expect(given).toEqual(chunks);
    expect(given.every((chunk, index) => chunk === chunks[index])).toBe(true);
    await client.logout();
  });

  it('keeps names with spaces, quotes and UTF-8 intact', async () => {
    const client = await servers.ferry.connect();
    const names = ['my report.pdf', 'say "hi".txt', 'résumé/日本語 ファイル.txt', 'a=b', 'emoji 🚢.bin'];
    for (const name of names) await roundTrip(client, name, Buffer.from(name));
    expect((await client.list()).map((file) => file.name).sort()).toEqual([...names].sort());
    expect((await client.list('résumé/')).map((file) => file.name)).toEqual(['résumé/日本語 ファイル.txt']);
    await client.logout();
  });

  it('runs all six commands and records exactly one event per command', async () => {
    const client = await servers.ferry.connect();
    expect((await client.help()).join('\n')).toContain('UPLOAD');
    await client.upload('a.txt', chunksOf(Buffer.from('one')), 3);
    const second = await client.upload('a.txt', chunksOf(Buffer.from('two!')), 4);
    expect(second.version).toBe(2);
    const listed = await client.list();
    expect(listed).toMatchObject([{ name: 'a.txt', version: 2, size: 4, by: 'anonymous' }]);
    const out = collector();
    await client.download('a.txt', out.sink);
    expect(out.bytes().toString()).toBe('two!');
    const old = collector();
    await client.download('a.txt', old.sink, { version: 1 });
    expect(old.bytes().toString()).toBe('one');
    expect(await client.delete('a.txt')).toBe(2);
    await expect(client.download('a.txt', collector().sink)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await client.list()).toEqual([]);
    await client.logout();
    await servers.ferry.app.ledger.drain();

    const events = readEvents(servers.ferry.dataDir).filter((event) => event.session === client.session);
    expect(events.map((event) => event.type)).toEqual([
      'SessionOpened',
      'HelpShown',
      'FileUploaded',
      'FileUploaded',
      'FilesListed',
      'FileDownloaded',
      'FileDownloaded',
      'FileDeleted',
      'CommandRejected',
      'FilesListed',
      'SessionClosed',
    ]);
    expect(events[events.length - 1].payload).toEqual({ reason: 'logout' });
    expect(events[8].payload).toMatchObject({ command: 'DOWNLOAD', code: 'NOT_FOUND', name: 'a.txt' });
  });

  it('answers pipelined requests in order', async () => {
    const client = await servers.ferry.connect();
    const results = await Promise.all([
      client.upload('p1', chunksOf(Buffer.from('1')), 1),
      client.list(),
      client.upload('p2', chunksOf(Buffer.from('22')), 2),
      client.delete('missing').catch((error: { code: string }) => error.code),
      client.list(),
    ]);
    expect(results[1]).toHaveLength(1);
    expect(results[3]).toBe('NOT_FOUND');
    expect((results[4] as unknown[]).length).toBe(2);
    await client.logout();
  });

  it('lets 20 clients upload at once', async () => {
    const files = Array.from({ length: 20 }, (_, i) => ({
      name: `parallel/${i}.bin`,
      bytes: randomFile(200_000 + i),
    }));
    const clients = await Promise.all(files.map(() => servers.ferry.connect()));
    await Promise.all(
      files.map((file, i) =>
        clients[i].upload(file.name, chunksOf(file.bytes, 16 * 1024), file.bytes.length),
      ),
    );
    const check = await servers.ferry.connect();
    const listed = await check.list('parallel/');
    expect(listed).toHaveLength(20);
    for (const file of files) {
      const out = collector();
      await check.download(file.name, out.sink);
      expect(out.bytes().equals(file.bytes)).toBe(true);
    }
    await Promise.all([...clients, check].map((client) => client.logout()));
  });

  it('stores one version per upload of the same name, even when they race', async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => servers.ferry.connect()));
    const stored = await Promise.all(
      clients.map((client, i) => client.upload('race.txt', chunksOf(Buffer.from(`v${i}`)), 2)),
    );
    expect(stored.map((file) => file.version).sort()).toEqual([1, 2, 3, 4, 5]);
    await Promise.all(clients.map((client) => client.logout()));
  });

  it('leaves nothing visible and no temporary file when a client dies mid-upload', async () => {
    const raw = await RawConnection.open(servers.ferry.address);
    raw.send('UPLOAD half.bin 1000000\n');
    raw.send(randomFile(300_000));
    await eventually(() => readdirSync(join(servers.ferry.dataDir, 'tmp')).length === 1);
    raw.destroy();
    await eventually(() => readdirSync(join(servers.ferry.dataDir, 'tmp')).length === 0);
    const client = await servers.ferry.connect();
    expect(await client.list()).toEqual([]);
    await client.logout();
    await servers.ferry.app.ledger.drain();
    const rejected = readEvents(servers.ferry.dataDir).find((event) => event.type === 'CommandRejected');
    expect(rejected?.payload).toMatchObject({ command: 'UPLOAD', code: 'SIZE_MISMATCH', name: 'half.bin' });
  });

  it('refuses an upload whose declared SHA-256 does not match and stores nothing', async () => {
    const client = await servers.ferry.connect();
    const bytes = Buffer.from('the real bytes');
    await expect(
      client.upload('bad.txt', chunksOf(bytes), bytes.length, { sha256: sha256(Buffer.from('other')) }),
    ).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(await client.list()).toEqual([]);
    expect(readdirSync(join(servers.ferry.dataDir, 'blobs'))).toEqual([]);
    await client.logout();
  });

  it('keeps the catalogue across a restart, rebuilt from the log alone', async () => {
    const client = await servers.ferry.connect();
    await client.upload('keep/a.txt', chunksOf(Buffer.from('a')), 1);
    await client.upload('keep/b.txt', chunksOf(Buffer.from('b')), 1);
    await client.upload('keep/b.txt', chunksOf(Buffer.from('bb')), 2);
    await client.upload('keep/c.txt', chunksOf(Buffer.from('c')), 1);
    await client.delete('keep/c.txt');
    const before = await client.list();
    await client.logout();
    await servers.restart();
    const again = await servers.ferry.connect();
    expect(await again.list()).toEqual(before);
    const out = collector();
    await again.download('keep/b.txt', out.sink);
    expect(out.bytes().toString()).toBe('bb');
    expect(await again.upload('keep/b.txt', chunksOf(Buffer.from('3')), 1)).toMatchObject({ version: 3 });
    await again.logout();
  });

  it('records SessionClosed with reason shutdown when the server stops under a connected client', async () => {
    const raw = await RawConnection.open(servers.ferry.address);
    await servers.ferry.stop();
    await raw.closed();
    const types = readEvents(servers.ferry.dataDir).map((event) => [event.type, event.payload.reason]);
    expect(types).toEqual([
      ['LogNamed', undefined],
      ['SessionOpened', undefined],
      ['SessionClosed', 'shutdown'],
    ]);
  });
});
