import { feed, RecordingSink, SinkEvent } from '../../support/recording-sink';

const recorder = (maxLine?: number) => new RecordingSink({ maxLine });

const REQUEST = Buffer.from('LIST\r\nBODY 5\nab\ncdBODY 0\n\nHELP "x y"\nBODY 3\n\n\n\nLOGOUT\n', 'latin1');

describe('FrameDecoder', () => {
  let expected: SinkEvent[];

  beforeAll(async () => {
    const { decoder, events } = recorder();
    await feed(decoder, [REQUEST]);
    expected = events;
  });

  it('reads lines, strips CR, skips blank lines and hands over declared bodies verbatim', () => {
    expect(expected).toEqual([
      'started',
      { line: 'LIST' },
      'started',
      { line: 'BODY 5' },
      { body: 'ab\ncd' },
      'end',
      'started',
      { line: 'BODY 0' },
      { body: '' },
      'end',
      'started',
      { line: 'HELP "x y"' },
      'started',
      { line: 'BODY 3' },
      { body: '\n\n\n' },
      'end',
      'started',
      { line: 'LOGOUT' },
    ]);
  });

  it('yields the same frames for every split of the request into two chunks', async () => {
    for (let cut = 0; cut <= REQUEST.length; cut++) {
      const { decoder, events } = recorder();
      await feed(decoder, [REQUEST.subarray(0, cut), REQUEST.subarray(cut)]);
      expect({ cut, events }).toEqual({ cut, events: expected });
    }
  });

  it('yields the same frames for every split into three chunks and byte by byte', async () => {
    for (let a = 0; a <= REQUEST.length; a += 3) {
      for (let b = a; b <= REQUEST.length; b += 2) {
        const { decoder, events } = recorder();
        await feed(decoder, [REQUEST.subarray(0, a), REQUEST.subarray(a, b), REQUEST.subarray(b)]);
        expect(events).toEqual(expected);
      }
    }
    const { decoder, events } = recorder();
    await feed(
      decoder,
      [...REQUEST].map((byte) => Buffer.from([byte])),
    );
    expect(events).toEqual(expected);
  });

  it('reports an over-long line once and ignores everything after it', async () => {
    const { decoder, events } = recorder(16);
    await feed(decoder, [
      Buffer.from('HELP\n'),
      Buffer.from('x'.repeat(10)),
      Buffer.from('y'.repeat(10) + '\nLIST\n'),
    ]);
    expect(events).toEqual(['started', { line: 'HELP' }, 'started', 'tooLong']);
  });

  it('accepts a line of exactly the limit', async () => {
    const { decoder, events } = recorder(16);
    await feed(decoder, [Buffer.from('a'.repeat(16) + '\n')]);
    expect(events).toEqual(['started', { line: 'a'.repeat(16) }]);
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
