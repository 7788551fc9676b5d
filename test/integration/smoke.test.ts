import { Writable } from 'node:stream';
import { startTestServer } from '../support/test-server';

function collector(): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  return {
    sink: new Writable({ write: (chunk, _enc, cb) => (chunks.push(chunk), cb()) }),
    bytes: () => Buffer.concat(chunks),
  };
}

it('round-trips through the memory store', async () => {
  const ferry = await startTestServer({ store: 'memory' });
  const client = await ferry.connect();
  const stored = await client.upload('a b.txt', [Buffer.from('hello')], 5);
  expect(stored.version).toBe(1);
  expect((await client.list()).map((f) => f.name)).toEqual(['a b.txt']);
  const out = collector();
  await client.download('a b.txt', out.sink);
  expect(out.bytes().toString()).toBe('hello');
  await client.delete('a b.txt');
  await expect(client.delete('a b.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  await client.logout();
  await ferry.stop();
});
