import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FrameDecoder, MAX_LINE_BYTES } from '../../../src/transport/codec/frame-decoder';
import { feed, RecordingSink, SinkEvent, write } from '../../support/recording-sink';

/** Lines over 40 characters are recorded short, as `lineOf` gives them. */
const recorder = (maxLine?: number) => new RecordingSink({ maxLine, abbreviateOver: 40 });

const bytesOf = (text: string) => Buffer.from(text, 'latin1');
const oneByteChunks = (text: string) => [...bytesOf(text)].map((byte) => Buffer.from([byte]));
const lineOf = (length: number) => ({ line: `${'a'.repeat(20)}...(${length})` });

describe('FrameDecoder memory for an unfinished line', () => {
  it('holds at most ~16 KiB for a line trickled in 8,000 one-byte chunks, and nothing once it ends', async () => {
    const { decoder, events, lines } = recorder();
    await feed(decoder, oneByteChunks('a'.repeat(8000)));
    expect(decoder.bufferedBytes).toBeGreaterThanOrEqual(8000);
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(16 * 1024);
    expect(events).toEqual(['started']);
    await write(decoder, bytesOf('\n'));
    expect(events).toEqual(['started', lineOf(8000)]);
    expect(lines[0].equals(Buffer.alloc(8000, 'a'))).toBe(true);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('starts small and grows by doubling, never past the limit and a CR', async () => {
    const { decoder } = recorder();
    expect(decoder.bufferedBytes).toBe(0);
    await write(decoder, bytesOf('a'));
    expect(decoder.bufferedBytes).toBe(256);
    await write(decoder, bytesOf('a'.repeat(255)));
    expect(decoder.bufferedBytes).toBe(256);
    await write(decoder, bytesOf('a'));
    expect(decoder.bufferedBytes).toBe(512);
    await write(decoder, bytesOf('a'.repeat(MAX_LINE_BYTES - 257)));
    expect(decoder.bufferedBytes).toBe(MAX_LINE_BYTES);
    await write(decoder, bytesOf('\r'));
    expect(decoder.bufferedBytes).toBe(MAX_LINE_BYTES + 1);
  });

  it('copies a line that came in pieces, so it pins no socket chunk', async () => {
    const { decoder, lines } = recorder();
    const big = bytesOf('BODY 60000\n' + 'x'.repeat(60000) + 'LIST\nSTA');
    await write(decoder, big);
    expect(decoder.bufferedBytes).toBe(256);
    await write(decoder, bytesOf('T a\n'));
    expect(lines.map((line) => line.toString('latin1'))).toEqual(['BODY 60000', 'LIST', 'STAT a']);
    // Whole lines inside one chunk are passed without a copy; the pieced-together one is the decoder's own.
    expect(lines[1].buffer).toBe(big.buffer);
    expect(lines[2].buffer).not.toBe(big.buffer);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('lets go of the buffer when stopped', async () => {
    const { decoder } = recorder();
    await write(decoder, bytesOf('abc'));
    decoder.stop();
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('keeps the heap small for many connections trickling unfinished lines', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const measure = (): number => {
      gc();
      gc();
      const usage = process.memoryUsage();
      return usage.heapUsed + usage.arrayBuffers;
    };
    const decoders: FrameDecoder[] = [];
    const before = measure();
    for (let i = 0; i < 200; i++) decoders.push(recorder().decoder);
    const byte = bytesOf('a');
    for (let i = 0; i < 2000; i++) await Promise.all(decoders.map((decoder) => write(decoder, byte)));
    const grown = measure() - before;
    // 400,000 bytes are pending. A Buffer per one-byte piece took ~100 MB here; owned buffers take ~0.5 MB.
    expect(decoders.every((decoder) => decoder.bufferedBytes === 2048)).toBe(true);
    expect(grown).toBeLessThan(12 * 1024 * 1024);
  }, 30_000);
});

describe('FrameDecoder line limit', () => {
  const content = (length: number) => 'a'.repeat(length);

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('accepts %s lines of exactly MAX_LINE_BYTES content bytes and refuses one more', async (_label, end) => {
    expect(MAX_LINE_BYTES).toBe(8192);
    const exact = recorder();
    await feed(exact.decoder, [bytesOf(content(8192) + end + 'LIST\n')]);
    expect(exact.events).toEqual(['started', lineOf(8192), 'started', { line: 'LIST' }]);

    const over = recorder();
    await feed(over.decoder, [bytesOf(content(8193) + end + 'LIST\n')]);
    expect(over.events).toEqual(['started', 'tooLong']);
  });

  it('treats a CRLF split between chunks like any other', async () => {
    const exact = recorder();
    await feed(exact.decoder, [bytesOf(content(8192) + '\r'), bytesOf('\nLIST\n')]);
    expect(exact.events).toEqual(['started', lineOf(8192), 'started', { line: 'LIST' }]);
    expect(exact.lines[0].length).toBe(8192);

    const over = recorder();
    await feed(over.decoder, [bytesOf(content(8193) + '\r'), bytesOf('\nLIST\n')]);
    expect(over.events).toEqual(['started', 'tooLong']);
  });

  it('refuses as soon as the buffered bytes prove the line too long, never holding more than limit + 1', async () => {
    const plain = recorder();
    await write(plain.decoder, bytesOf(content(8192)));
    expect(plain.events).toEqual(['started']);
    await write(plain.decoder, bytesOf('a'));
    expect(plain.events).toEqual(['started', 'tooLong']);
    expect(plain.decoder.bufferedBytes).toBe(0);

    // A final CR may still be the terminator, so 8,192 bytes and a CR wait for the next byte...
    const pendingCr = recorder();
    await write(pendingCr.decoder, bytesOf(content(8192) + '\r'));
    expect(pendingCr.events).toEqual(['started']);
    expect(pendingCr.decoder.bufferedBytes).toBeLessThanOrEqual(8193);
    // ...which, if it is not the LF, makes the CR content, and the line too long.
    await write(pendingCr.decoder, bytesOf('b'));
    expect(pendingCr.events).toEqual(['started', 'tooLong']);
  });

  it('counts content the same for both terminators at every split and byte by byte (limit 16)', async () => {
    for (const end of ['\n', '\r\n']) {
      for (const [length, expected] of [
        [16, ['started', { line: content(16) }, 'started', { line: 'LIST' }]],
        [17, ['started', 'tooLong']],
      ] as const) {
        const input = bytesOf(content(length) + end + 'LIST\n');
        for (let cut = 0; cut <= input.length; cut++) {
          const { decoder, events } = recorder(16);
          await feed(decoder, [input.subarray(0, cut), input.subarray(cut)]);
          expect({ end, length, cut, events }).toEqual({ end, length, cut, events: expected });
        }
        const { decoder, events } = recorder(16);
        await feed(decoder, oneByteChunks(content(length) + end + 'LIST\n'));
        expect(events).toEqual(expected);
      }
    }
  });

  it('keeps a CR inside a line as content', async () => {
    const { decoder, events } = recorder(4);
    await feed(decoder, oneByteChunks('a\rb\r\n\r\r\n\r\r\r\r\r\r\n'));
    expect(events).toEqual(['started', { line: 'a\rb' }, 'started', { line: '\r' }, 'started', 'tooLong']);
  });
});

describe('FrameDecoder lineStarted', () => {
  const INPUT = 'LIST\r\n\n\r\nBODY 3\n\nabHELP\r\n\r\n\r\r\n';
  const EXPECTED: SinkEvent[] = [
    'started',
    { line: 'LIST' },
    'started',
    { line: 'BODY 3' },
    { body: '\nab' },
    'end',
    'started',
    { line: 'HELP' },
    'started',
    { line: '\r' },
  ];

  it('is called once per non-empty line, before it, for every split and byte by byte', async () => {
    const input = bytesOf(INPUT);
    const whole = recorder();
    await feed(whole.decoder, [input]);
    expect(whole.events).toEqual(EXPECTED);
    for (let cut = 0; cut <= input.length; cut++) {
      const { decoder, events } = recorder();
      await feed(decoder, [input.subarray(0, cut), input.subarray(cut)]);
      expect({ cut, events }).toEqual({ cut, events: EXPECTED });
    }
    const { decoder, events } = recorder();
    await feed(decoder, oneByteChunks(INPUT));
    expect(events).toEqual(EXPECTED);
  });

  it('is called with the first byte of a line and not again until the line ends', async () => {
    const { decoder, events } = recorder();
    await write(decoder, bytesOf('L'));
    expect(events).toEqual(['started']);
    await write(decoder, bytesOf('IS'));
    expect(events).toEqual(['started']);
    await write(decoder, bytesOf('T\nH'));
    expect(events).toEqual(['started', { line: 'LIST' }, 'started']);
  });

  it('is never called for blank lines, and waits past a first CR until a byte shows the line is not blank', async () => {
    const { decoder, events } = recorder();
    await feed(decoder, oneByteChunks('\n\r\n\n\r\n'));
    expect(events).toEqual([]);
    await write(decoder, bytesOf('\r'));
    expect(events).toEqual([]);
    await write(decoder, bytesOf('x'));
    expect(events).toEqual(['started']);
    await write(decoder, bytesOf('\n'));
    expect(events).toEqual(['started', { line: '\rx' }]);
  });

  it('precedes lineTooLong', async () => {
    const { decoder, events } = recorder(8);
    await write(decoder, bytesOf('a'.repeat(20)));
    expect(events).toEqual(['started', 'tooLong']);
  });

  it('is optional', async () => {
    const lines: string[] = [];
    const decoder = new FrameDecoder({
      line: (bytes) => {
        lines.push(bytes.toString());
      },
      body: () => undefined,
      bodyEnd: () => undefined,
      lineTooLong: () => undefined,
    });
    await feed(decoder, oneByteChunks('A\nB\r\n'));
    expect(lines).toEqual(['A', 'B']);
  });
});
