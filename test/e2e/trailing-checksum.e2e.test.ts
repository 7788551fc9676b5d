import { FerryClient } from '../../src/transport/client/ferry-client';
import { readEvents } from '../support/audit-db';
import { CuttingProxy } from '../support/cutting-proxy';
import { RawConnection } from '../support/raw-connection';
import { chunksOf, randomFile, sha256 } from '../support/streams';
import { serverPerSuite } from '../support/test-server';

/** An UPLOAD whose digest follows its body: the client hashes as it sends, nothing is read twice. */
describe('uploads with a trailing checksum (trailer=sha256)', () => {
  const ferry = serverPerSuite();

  it('publishes the file when the trailer matches; the next pipelined request is answered after it', async () => {
    const raw = await RawConnection.open(ferry.address);
    const body = Buffer.from('hello trailer');
    raw.send(`UPLOAD t1.txt ${body.length} trailer=sha256\n`);
    raw.send(Buffer.concat([body, Buffer.from(`sha256=${sha256(body)}\nSTAT t1.txt\n`)]));
    const [uploaded, stat] = await raw.lines(2);
    expect(uploaded).toBe(`OK version=1 size=${body.length} sha256=${sha256(body)}`);
    expect(stat).toMatch(/^OK .*version=1/);
    raw.socket.destroy();
  });

  it('refuses a mismatching or malformed trailer, stores nothing, and the connection stays in step', async () => {
    const raw = await RawConnection.open(ferry.address);
    const body = Buffer.from('some bytes');
    raw.send(`UPLOAD t2.txt ${body.length} trailer=sha256\n`);
    raw.send(Buffer.concat([body, Buffer.from(`sha256=${sha256(Buffer.from('other'))}\n`)]));
    expect((await raw.lines(1))[0]).toMatch(/^ERR CHECKSUM_MISMATCH declared sha256 /);
    raw.send(`UPLOAD t2.txt ${body.length} trailer=sha256\n`);
    raw.send(Buffer.concat([body, Buffer.from('sha256=not-hex\n')]));
    expect(await raw.lines(1)).toEqual([
      'ERR BAD_REQUEST the line after the body must be sha256=<64 hex digits>',
    ]);
    raw.send('STAT t2.txt\n');
    expect((await raw.lines(1))[0]).toMatch(/^ERR NOT_FOUND/);
    raw.socket.destroy();
  });

  it('a request refused before its body still has its body and trailer read: one reply, in step', async () => {
    const raw = await RawConnection.open(ferry.address);
    const body = Buffer.from('x');
    raw.send(`UPLOAD ../bad ${body.length} trailer=sha256\n`);
    raw.send(Buffer.concat([body, Buffer.from(`sha256=${sha256(body)}\n`)]));
    raw.send(`UPLOAD both.txt 1 trailer=sha256 sha256=${sha256(body)}\nxsha256=${sha256(body)}\n`);
    raw.send(`UPLOAD empty.txt 0 trailer=sha256\nsha256=${sha256(Buffer.alloc(0))}\nSTAT empty.txt\n`);
    const lines = await raw.lines(4);
    expect(lines[0]).toMatch(/^ERR BAD_NAME/);
    expect(lines[1]).toBe('ERR BAD_REQUEST sha256= and trailer= both give the digest');
    expect(lines[2]).toBe(`OK version=1 size=0 sha256=${sha256(Buffer.alloc(0))}`);
    expect(lines[3]).toMatch(/^OK .*size=0/);
    raw.socket.destroy();
  });

  it('a trailer= the server cannot read loses the framing: refused, then closed', async () => {
    const raw = await RawConnection.open(ferry.address);
    raw.send('UPLOAD t3.txt 5 trailer=md5\nhello');
    expect(await raw.lines(2)).toEqual(['ERR BAD_REQUEST bad value for trailer: "md5"']);
  });

  it('through FerryClient: a byte flipped on the wire is caught by the trailer and nothing is published', async () => {
    const bytes = randomFile(1024 * 1024);
    const header = `UPLOAD flipped.bin ${bytes.length} trailer=sha256\n`;
    const proxy = await CuttingProxy.start(ferry.address, [
      { flipUpAt: Buffer.byteLength(header) + 500_000 },
    ]);
    try {
      const client = await FerryClient.connect(proxy.address);
      await expect(
        client.upload('flipped.bin', chunksOf(bytes), bytes.length, { trailer: () => sha256(bytes) }),
      ).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
      await expect(client.stat('flipped.bin')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(
        await client.upload('flipped.bin', chunksOf(bytes), bytes.length, { trailer: () => sha256(bytes) }),
      ).toMatchObject({ sha256: sha256(bytes) });
      await client.logout();
    } finally {
      await proxy.close();
    }
    await ferry.app.ledger.drain();
    const refused = readEvents(ferry.dataDir).filter(
      (event) => event.type === 'CommandRejected' && event.payload.name === 'flipped.bin',
    );
    expect(refused.map((event) => event.payload.code)).toEqual(['CHECKSUM_MISMATCH', 'NOT_FOUND']);
  });
});
