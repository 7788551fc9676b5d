import { FrameDecoder, FrameSink } from '../../../src/transport/codec/frame-decoder';

type Frame = { line: string } | { body: string } | { end: true } | { tooLong: true };

/** A sink that records frames and, like a session, declares a body when a line says `BODY <n>`. */
function recorder(maxLine?: number): { decoder: FrameDecoder; frames: Frame[] } {
  const frames: Frame[] = [];
  let body = '';
  const sink: FrameSink = {
    line: (bytes) => {
      const text = bytes.toString('latin1');
      frames.push({ line: text });
      const declared = /^BODY (\d+)$/.exec(text);
      if (declared) decoder.expectBody(Number(declared[1]));
    },
    body: async (chunk) => {
      body += chunk.toString('latin1');
      await Promise.resolve();
    },
    bodyEnd: () => {
      frames.push({ body });
      body = '';
      frames.push({ end: true });
    },
    lineTooLong: () => {
      frames.push({ tooLong: true });
    },
  };
  const decoder = new FrameDecoder(sink, maxLine);
  return { decoder, frames };
}

async function feed(decoder: FrameDecoder, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    await new Promise<void>((resolve, reject) =>
      decoder.write(chunk, (error) => (error ? reject(error) : resolve())),
    );
  }
}

const REQUEST = Buffer.from('LIST\r\nBODY 5\nab\ncdBODY 0\n\nHELP "x y"\nBODY 3\n\n\n\nLOGOUT\n', 'latin1');

describe('FrameDecoder', () => {
  let expected: Frame[];

  beforeAll(async () => {
    const { decoder, frames } = recorder();
    await feed(decoder, [REQUEST]);
    expected = frames;
  });

  it('reads lines, strips CR, skips blank lines and hands over declared bodies verbatim', () => {
    expect(expected).toEqual([
      { line: 'LIST' },
      { line: 'BODY 5' },
      { body: 'ab\ncd' },
      { end: true },
      { line: 'BODY 0' },
      { body: '' },
      { end: true },
      { line: 'HELP "x y"' },
      { line: 'BODY 3' },
      { body: '\n\n\n' },
      { end: true },
      { line: 'LOGOUT' },
    ]);
  });

  it('yields the same frames for every split of the request into two chunks', async () => {
    for (let cut = 0; cut <= REQUEST.length; cut++) {
      const { decoder, frames } = recorder();
      await feed(decoder, [REQUEST.subarray(0, cut), REQUEST.subarray(cut)]);
      expect({ cut, frames }).toEqual({ cut, frames: expected });
    }
  });

  it('yields the same frames for every split into three chunks and byte by byte', async () => {
    for (let a = 0; a <= REQUEST.length; a += 3) {
      for (let b = a; b <= REQUEST.length; b += 2) {
        const { decoder, frames } = recorder();
        await feed(decoder, [REQUEST.subarray(0, a), REQUEST.subarray(a, b), REQUEST.subarray(b)]);
        expect(frames).toEqual(expected);
      }
    }
    const { decoder, frames } = recorder();
    await feed(
      decoder,
      [...REQUEST].map((byte) => Buffer.from([byte])),
    );
    expect(frames).toEqual(expected);
  });

  it('reports an over-long line once and ignores everything after it', async () => {
    const { decoder, frames } = recorder(16);
    await feed(decoder, [
      Buffer.from('HELP\n'),
      Buffer.from('x'.repeat(10)),
      Buffer.from('y'.repeat(10) + '\nLIST\n'),
    ]);
    expect(frames).toEqual([{ line: 'HELP' }, { tooLong: true }]);
  });

  it('accepts a line of exactly the limit', async () => {
    const { decoder, frames } = recorder(16);
    await feed(decoder, [Buffer.from('a'.repeat(16) + '\n')]);
    expect(frames).toEqual([{ line: 'a'.repeat(16) }]);
  });

  it('never throws on random bytes', async () => {
    for (let run = 0; run < 200; run++) {
      const { decoder } = recorder(64);
      const bytes = Buffer.alloc(500);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
      await expect(feed(decoder, [bytes.subarray(0, 250), bytes.subarray(250)])).resolves.toBeUndefined();
    }
  });

  it('refuses to expect a body outside a line callback state', () => {
    const { decoder } = recorder();
    decoder.expectBody(1);
    expect(() => decoder.expectBody(1)).toThrow();
    expect(() => recorder().decoder.expectBody(-1)).toThrow();
  });
});
