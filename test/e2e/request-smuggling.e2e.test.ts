import { randomBytes } from 'node:crypto';
import { RawConnection } from '../support/raw-connection';
import { chunksOf } from '../support/streams';
import { serverPerSuite } from '../support/test-server';

/**
 * An UPLOAD refused before its size could be read may still be followed by its body. Reading that body as
 * requests would run whatever it says, so the server answers and closes the connection instead.
 */
describe('an UPLOAD whose body length cannot be read', () => {
  const ferry = serverPerSuite();

  async function victim(): Promise<string> {
    const client = await ferry.connect();
    const name = `victim-${randomBytes(4).toString('hex')}`;
    await client.upload(name, chunksOf(Buffer.from('keep me')), 7);
    await client.logout();
    return name;
  }

  it.each([
    ['invalid UTF-8 in the name', (body: number) => Buffer.from(`UPLOAD \xff\xfe.txt ${body}\n`, 'latin1')],
    ['a backslash outside quotes', (body: number) => Buffer.from(`UPLOAD a\\b.txt ${body}\n`)],
    ['an unclosed quote', (body: number) => Buffer.from(`UPLOAD "a.txt ${body}\n`)],
    ['a repeated option', (body: number) => Buffer.from(`UPLOAD a.txt ${body} id=1 id=2\n`)],
    ['a size that is not a number', () => Buffer.from('UPLOAD a.txt fourteen\n')],
  ])('is refused and the connection closed, never running its body, on %s', async (_label, header) => {
    const name = await victim();
    const body = Buffer.from(`DELETE ${name}\n`);
    const raw = await RawConnection.open(ferry.address);
    raw.send(Buffer.concat([header(body.length), body]));
    const lines = await raw.lines(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ERR BAD_REQUEST /);
    await raw.closed();

    const client = await ferry.connect();
    expect(await client.stat(name)).toMatchObject({ name, version: 1 });
    await client.logout();
  });

  it('still skips the body of an UPLOAD refused after its size was read, and goes on', async () => {
    const name = await victim();
    const body = Buffer.from(`DELETE ${name}\n`);
    const raw = await RawConnection.open(ferry.address);
    raw.send(Buffer.concat([Buffer.from(`UPLOAD ../x ${body.length}\n`), body, Buffer.from('HELP\n')]));
    const [refused, help] = await raw.lines(2);
    expect(refused).toMatch(/^ERR BAD_NAME /);
    expect(help).toMatch(/^OK lines=/);
    raw.destroy();

    const client = await ferry.connect();
    expect(await client.stat(name)).toMatchObject({ name, version: 1 });
    await client.logout();
  });
});
