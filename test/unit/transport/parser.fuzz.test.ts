import fc from 'fast-check';
import { isErrorCode } from '../../../src/domain/errors';
import { parseFileName } from '../../../src/domain/names';
import { FrameDecoder, FrameSink } from '../../../src/transport/codec/frame-decoder';
import { ParsedRequest, parseRequest, Request } from '../../../src/transport/codec/requests';
import { splitWords, Word } from '../../../src/transport/codec/words';
import {
  anyRequestLine,
  chunked,
  mutated,
  mutation,
  mutate,
  password,
  protocolishBytes,
  requestLineText,
  secretLine,
} from '../../support/request-fuzz';

/**
 * Property-based fuzzing of the request parser and the frame decoder. No seed is fixed: every run explores
 * new inputs, and a failure prints the seed and path that replay it (`fc.assert(..., { seed, path })`).
 */

// Sized so the whole file runs in a few seconds on a CI machine with two cores.
// FERRY_FUZZ_SCALE=10 runs ten times as many, for a longer hunt than CI affords.
const SCALE = Number(process.env.FERRY_FUZZ_SCALE ?? 1);
const RUNS = {
  bytes: 1000 * SCALE,
  mutated: 1500 * SCALE,
  framing: 1000 * SCALE,
  secrets: 1500 * SCALE,
  chunking: 200 * SCALE,
};

const COMMANDS = new Set<Request['command']>([
  'HELP',
  'LIST',
  'UPLOAD',
  'DOWNLOAD',
  'DELETE',
  'RESTORE',
  'STAT',
  'HISTORY',
  'LOGOUT',
  'LOGIN',
  'USER',
  'AUDIT',
]);

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** The first word of a line read from its bytes, as docs/PROTOCOL.md words it: up to a space or tab. */
function firstWordOfBytes(line: Uint8Array): string {
  let start = 0;
  while (start < line.length && (line[start] === 0x20 || line[start] === 0x09)) start++;
  let end = start;
  while (end < line.length && line[end] !== 0x20 && line[end] !== 0x09) end++;
  return lenientUtf8
    .decode(Buffer.from(line.subarray(start, end)).filter((byte) => byte !== 0x22))
    .toUpperCase();
}

/**
 * The body length a conforming peer announced on an UPLOAD line, by the grammar of docs/PROTOCOL.md:
 * a UTF-8 line of well-formed words, positional words before options, no option twice, and a second
 * positional word that is a whole number. Undefined when no length can be read from the line.
 */
function announcedBodyLength(line: Uint8Array): number | undefined {
  let words: Word[];
  try {
    words = splitWords(fatalUtf8.decode(line));
  } catch {
    return undefined;
  }
  const [head, name, size] = words;
  if (head?.kind !== 'text' || head.text.toUpperCase() !== 'UPLOAD') return undefined;
  const keys = new Set<string>();
  let seenOption = false;
  for (const word of words) {
    if (word.kind === 'option') {
      if (keys.has(word.key)) return undefined;
      keys.add(word.key);
      seenOption = true;
    } else if (seenOption) return undefined;
  }
  if (name?.kind !== 'text' || size?.kind !== 'text' || !DECIMAL.test(size.text)) return undefined;
  const length = Number(size.text);
  return Number.isSafeInteger(length) ? length : undefined;
}

function namesOf(request: Request): string[] {
  return 'name' in request ? [request.name] : [];
}

/** Everything that must hold of any parse, whatever the line. */
function checkInvariants(line: Buffer): ParsedRequest {
  let parsed: ParsedRequest;
  try {
    parsed = parseRequest(line);
  } catch (error) {
    throw new Error(`parseRequest threw on ${JSON.stringify(line.toString('latin1'))}: ${String(error)}`);
  }
  const leading = firstWordOfBytes(line);
  const announced = announcedBodyLength(line);
  let head: string | undefined;
  try {
    const first = splitWords(fatalUtf8.decode(line))[0];
    head = first?.kind === 'text' ? first.text.toUpperCase() : undefined;
  } catch {
    head = undefined;
  }
  const uploadLike = leading === 'UPLOAD' || head === 'UPLOAD';
  // The parser may also read the first word after other blanks (form feed, NBSP...): closing the connection
  // on such a line is needlessly strict but safe, so it is allowed, and nothing more.
  const blankedUpload =
    lenientUtf8.decode(line).trimStart().split(/[ \t]/, 1)[0].replaceAll('"', '').toUpperCase() === 'UPLOAD';

  if (parsed.ok) {
    const { request } = parsed;
    expect(COMMANDS.has(request.command)).toBe(true);
    for (const name of namesOf(request)) {
      const again = parseFileName(name);
      expect(again).toEqual({ ok: true, value: name });
    }
    if (request.command === 'UPLOAD') {
      expect(Number.isSafeInteger(request.size) && request.size >= 0).toBe(true);
      expect(announced).toBe(request.size);
      if (request.sha256 !== undefined) expect(request.sha256).toMatch(/^[0-9a-f]{64}$/);
    } else {
      expect(uploadLike).toBe(false);
    }
    return parsed;
  }

  expect(isErrorCode(parsed.error.code)).toBe(true);
  expect(parsed.command.length).toBeLessThanOrEqual(32);
  expect(typeof parsed.error.message).toBe('string');
  // A refusal message is one printable line of bounded length: peer input is echoed only escaped.
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  expect(parsed.error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  expect(parsed.error.message.length).toBeLessThanOrEqual(400);
  expect(Number.isSafeInteger(parsed.bodyLength) && parsed.bodyLength >= 0).toBe(true);
  if (uploadLike) {
    // The framing is kept exactly when the line itself says how long its body is, and with that length.
    if (announced === undefined) expect(parsed.framingLost).toBe(true);
    else
      expect({ framingLost: parsed.framingLost, bodyLength: parsed.bodyLength }).toEqual({
        framingLost: false,
        bodyLength: announced,
      });
  } else if (blankedUpload) {
    expect(parsed.bodyLength).toBe(0);
  } else {
    // Only an UPLOAD carries a body; nothing else may make the session read or close for one.
    expect({ framingLost: parsed.framingLost, bodyLength: parsed.bodyLength }).toEqual({
      framingLost: false,
      bodyLength: 0,
    });
  }
  return parsed;
}

const show = (line: Buffer) => JSON.stringify(line.toString('latin1'));

describe('parseRequest under fuzzing', () => {
  it('never throws on random bytes, and every refusal is well formed', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
          protocolishBytes,
        ),
        (line) => {
          checkInvariants(line);
        },
      ),
      { numRuns: RUNS.bytes },
    );
  });

  it('keeps its invariants on valid request lines and on every mutation of them', () => {
    fc.assert(
      fc.property(anyRequestLine, (line) => {
        checkInvariants(line);
      }),
      { numRuns: RUNS.mutated },
    );
  });

  it('accepts the valid lines it generates when their parts are valid (the generator reaches the parser)', () => {
    // Not a property of the parser so much as of this test: most unmutated lines must get past the words.
    const lines = fc.sample(requestLineText, { numRuns: 500 }).map((text) => Buffer.from(text, 'utf8'));
    const accepted = lines.filter((line) => parseRequest(line).ok).length;
    expect(accepted).toBeGreaterThan(lines.length / 5);
    for (const line of lines) checkInvariants(line);
  });

  it('loses the framing of an UPLOAD whose size was damaged, and keeps it when only the rest was', () => {
    const upload = fc
      .tuple(
        fc.constantFrom('a.txt', '"a b.txt"', '../x', 'w/x'),
        fc.nat(100_000),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
      )
      .map(([name, size, mutations]) => mutate(Buffer.from(`UPLOAD ${name} ${size} id=r1`), mutations));
    fc.assert(
      fc.property(upload, (line) => {
        checkInvariants(line);
      }),
      { numRuns: RUNS.framing },
    );
  });

  it.each([
    ['LOGIN\u000calice\u000caaaaaaaa', 'aaaaaaaa'],
    ['LOGIN\u00a0alice\u00a0Hunter2secret', 'Hunter2secret'],
    ['LOGIN,alice,Hunter2secret', 'Hunter2secret'],
    ['USER\u00a0ADD\u00a0bob\u00a0role=read\u00a0password=Hunter2secret', 'Hunter2secret'],
    ['USER"add "arole=read\ud83d\ude00password=pZ\u00e9#VWmzUG', 'pZ\u00e9#VWmzUG'],
  ])('does not echo the password of %j (found by the property below)', (text, pw) => {
    const parsed = checkInvariants(Buffer.from(text, 'utf8'));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    for (const echoed of [parsed.error.message, parsed.command]) {
      expect(echoed.toUpperCase()).not.toContain(pw.toUpperCase());
    }
  });

  it('escapes DEL and the C1 controls it echoes (found by the first property)', () => {
    const parsed = checkInvariants(Buffer.from('\u007fX\u0085\u009b a', 'utf8'));
    expect(parsed).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_COMMAND', message: 'unknown command "\\u007fX\\u0085\\u009b"; try HELP' },
    });
  });

  it('never echoes a password from a LOGIN or USER line, however the line is damaged', () => {
    const withSecret = password.chain((pw) =>
      mutated(secretLine(pw), 3).map((line): [string, Buffer] => [pw, line]),
    );
    fc.assert(
      fc.property(withSecret, ([pw, line]) => {
        const parsed = checkInvariants(line);
        if (parsed.ok) return;
        // Only lines still LOGIN or USER lines: their first letters spell the command, whatever blank
        // follows it (NBSP, form feed, a comma...). A typo that runs the command into the next word
        // (`USERADD,bob,password=...`) makes another command, as `LOGINS` is, and is not covered.
        const letters = /^[ \t]*([A-Za-z]*)/.exec(line.toString('latin1'))?.[1].toUpperCase();
        if (letters !== 'LOGIN' && letters !== 'USER') return;
        const secret = pw.toUpperCase();
        const echoed = [parsed.error.message, parsed.command, parsed.name ?? ''].map((text) =>
          text.toUpperCase(),
        );
        for (const text of echoed) {
          if (text.includes(secret)) {
            throw new Error(
              `the password ${JSON.stringify(pw)} of ${show(line)} is echoed in ${JSON.stringify(text)}`,
            );
          }
        }
      }),
      { numRuns: RUNS.secrets },
    );
  });
});

type Frame =
  | { readonly started: true }
  | { readonly line: string }
  | { readonly body: string }
  | { readonly tooLong: true };

/** Runs bytes through a decoder in the given chunks; a `BODY <n>` line declares an n-byte body. */
async function decode(chunks: readonly Buffer[], maxLine?: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  let body: Buffer[] = [];
  const sink: FrameSink = {
    lineStarted: () => {
      frames.push({ started: true });
    },
    line: (bytes) => {
      const text = bytes.toString('latin1');
      frames.push({ line: text });
      const declared = /^BODY (\d+)$/.exec(text);
      if (declared) decoder.expectBody(Number(declared[1]));
    },
    body: async (chunk) => {
      body.push(Buffer.from(chunk));
      await Promise.resolve();
    },
    bodyEnd: () => {
      frames.push({ body: Buffer.concat(body).toString('latin1') });
      body = [];
    },
    lineTooLong: () => {
      frames.push({ tooLong: true });
    },
  };
  const decoder = new FrameDecoder(sink, maxLine);
  for (const chunk of chunks) {
    await new Promise<void>((resolve, reject) =>
      decoder.write(chunk, (error) => (error ? reject(error) : resolve())),
    );
  }
  return frames;
}

/** One piece of a stream, and the frames it must give. */
type Piece = { readonly wire: Buffer; readonly frames: Frame[] };

const lineContent = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
        { weight: 1, arbitrary: fc.constantFrom(0x0d, 0x00, 0x09, 0xff, 0xc3) },
      ),
      { maxLength },
    )
    .map((bytes) => Buffer.from(bytes));

const linePiece: fc.Arbitrary<Piece> = fc.tuple(lineContent(40), fc.boolean()).map(([content, crlf]) => {
  const wire = Buffer.concat([content, Buffer.from(crlf ? '\r\n' : '\n')]);
  // A CR just before the LF is part of the terminator, never of the line.
  const text = crlf || content.at(-1) !== 0x0d ? content : content.subarray(0, -1);
  const declaresBody = /^BODY \d+$/.test(text.toString('latin1'));
  const frames: Frame[] =
    text.length === 0 || declaresBody ? [] : [{ started: true }, { line: text.toString('latin1') }];
  return { wire: declaresBody ? Buffer.from('\n') : wire, frames };
});

const bodyPiece: fc.Arbitrary<Piece> = fc
  .tuple(fc.uint8Array({ maxLength: 64 }), fc.boolean())
  .map(([bytes, crlf]) => {
    const header = `BODY ${bytes.length}`;
    return {
      wire: Buffer.concat([Buffer.from(`${header}${crlf ? '\r\n' : '\n'}`), Buffer.from(bytes)]),
      frames: [{ started: true }, { line: header }, { body: Buffer.from(bytes).toString('latin1') }],
    };
  });

const stream = fc.array(fc.oneof(linePiece, bodyPiece), { minLength: 1, maxLength: 25 });

describe('FrameDecoder under random chunking', () => {
  it('gives the same frames, lines and bodies, however the stream is cut, as the stream says', async () => {
    await fc.assert(
      fc.asyncProperty(stream, fc.array(fc.nat(), { maxLength: 40 }), async (pieces, cuts) => {
        const wire = Buffer.concat(pieces.map((piece) => piece.wire));
        const expected = pieces.flatMap((piece) => piece.frames);
        expect(await decode([wire])).toEqual(expected);
        expect(await decode(chunked(wire, cuts))).toEqual(expected);
      }),
      { numRuns: RUNS.chunking },
    );
  });

  it('byte by byte too, and reports an over-long line at the same point whatever the chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        stream,
        lineContent(200),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (pieces, tail, cuts) => {
          // A small limit, so generated lines sometimes exceed it; what follows it is never read.
          const wire = Buffer.concat([...pieces.map((piece) => piece.wire), tail, Buffer.from('\nLIST\n')]);
          const whole = await decode([wire], 48);
          expect(await decode(chunked(wire, cuts), 48)).toEqual(whole);
          const bytes = [...wire].map((byte) => Buffer.from([byte]));
          expect(await decode(bytes, 48)).toEqual(whole);
          const tooLong = whole.findIndex((frame) => 'tooLong' in frame);
          if (tooLong !== -1) expect(whole.slice(tooLong + 1)).toEqual([]);
        },
      ),
      { numRuns: RUNS.chunking },
    );
  });
});
