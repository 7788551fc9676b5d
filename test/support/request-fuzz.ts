import fc from 'fast-check';
import { quoteWord } from '../../src/transport/codec/words';

/**
 * fast-check generators of request lines, valid and damaged, shared by the parser fuzz test and the
 * live-server fuzz test. Lines are byte arrays without their terminator.
 */

/** Names that hit every rule of docs/PROTOCOL.md, and some that pass. */
const TRICKY_NAMES = [
  'a',
  'docs/a.txt',
  'w/x',
  'my file.txt',
  'caf\u00e9',
  'cafe\u0301',
  '\u65e5\u672c/\u8a9e',
  'a/b/c',
  '../x',
  'a//b',
  '/a',
  'a/',
  '.',
  ' x',
  'x ',
  'a/ /b',
  'x=y',
  'say "hi".txt',
  'a\\b',
  'evil\u202etxt',
  'no\u00a0break',
  'zero\u200dwidth',
  'priv\ue000',
  'nul\u0000x',
  'tab\tx',
  '\ud83d\ude00',
  'x'.repeat(1025),
  '\u00e9'.repeat(600),
];

export const fileNameText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_NAMES) },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 24, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }) },
);

/** A name as a client would write it: usually quoted as needed, sometimes raw. */
const nameWord: fc.Arbitrary<string> = fc
  .tuple(fileNameText, fc.nat(9))
  .map(([name, pick]) => (pick < 7 ? quoteWord(name) : name));

/** Numbers, fine and otherwise. */
export const numberWord: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.nat(4096).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '0',
      '9007199254740991',
      '9007199254740992',
      '9999999999999999',
      '99999999999999999999999999',
      '-1',
      '1e3',
      '0x10',
      '007',
      '1.5',
      '',
      '""',
      '"5"',
      '\uff15',
    ),
  },
);

const hex64 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('hex'));

const optionWord: fc.Arbitrary<string> = fc.oneof(
  hex64.map((hex) => `sha256=${hex}`),
  fc.constantFrom('sha256=xyz', 'sha256=', `sha256=${'A'.repeat(64)}`),
  numberWord.map((n) => `if-version=${n}`),
  numberWord.map((n) => `version=${n}`),
  numberWord.map((n) => `after=${n}`),
  numberWord.map((n) => `limit=${n}`),
  fc.constantFrom('id=r1', 'id="a b"', `id=${'x'.repeat(129)}`, 'id=', 'id=ok:1.2_3-4'),
  fc.constantFrom('at=12', 'at=2026-11-25T09:00:00Z', 'at=2026-11-25', 'at=yesterday', 'at=-3'),
  fc.constantFrom('colour=red', 'Role=read', 'x=', '=x', 'role=read', 'prefix=w/', 'bytes=-', 'files=10'),
);

const options = fc.array(optionWord, { maxLength: 3 });

function line(...words: string[]): string {
  return words.filter((word) => word !== '').join(' ');
}

/** Request lines that are, mostly, well formed: one per command, with plausible arguments. */
export const requestLineText: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.constant('HELP'),
      fc.constant('LOGOUT'),
      fc
        .tuple(fc.option(nameWord, { nil: '' }), options)
        .map(([prefix, opts]) => line('LIST', prefix, ...opts)),
      fc
        .tuple(nameWord, numberWord, options)
        .map(([name, size, opts]) => line('UPLOAD', name, size, ...opts)),
      fc.tuple(nameWord, options).map(([name, opts]) => line('DOWNLOAD', name, ...opts)),
      fc.tuple(nameWord, options).map(([name, opts]) => line('DELETE', name, ...opts)),
      fc
        .tuple(nameWord, numberWord, options)
        .map(([name, version, opts]) => line('RESTORE', name, version, ...opts)),
      fc.tuple(fc.constantFrom('STAT', 'HISTORY'), nameWord).map(([command, name]) => line(command, name)),
      options.map((opts) => line('AUDIT', ...opts)),
      fc.constantFrom('USER LIST', 'USER ADD bob role=read', 'USER ROLE bob write', 'USER PREFIX bob -'),
    ),
    fc.boolean(),
  )
  .map(([text, mixCase]) => (mixCase ? mixedCaseCommand(text) : text));

function mixedCaseCommand(text: string): string {
  const space = text.indexOf(' ');
  const command = space === -1 ? text : text.slice(0, space);
  const mixed = [...command].map((ch, i) => (i % 2 === 0 ? ch.toLowerCase() : ch)).join('');
  return mixed + (space === -1 ? '' : text.slice(space));
}

/** A password: printable and not, quotes and backslashes included; never shorter than 8 characters. */
export const password: fc.Arbitrary<string> = fc.string({
  minLength: 8,
  maxLength: 24,
  unit: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789') },
    { weight: 1, arbitrary: fc.constantFrom(' ', '"', '\\', '=', '\u00e9', '\u00df', '!', '#', '\t') },
  ),
});

/** A line that carries `pw`: LOGIN, or USER ADD / USER PASSWD with a password= option. */
export const secretLine = (pw: string): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom('LOGIN', 'login', 'Login', 'USER ADD', 'user passwd', 'USER add'),
      fc.constantFrom('alice', 'bob', '"alice"', 'w'),
      // Blanks that are not words' separators too: NBSP, vertical tab, form feed, ideographic space...
      fc.constantFrom(' ', '  ', '\t', ' \t', '\u00a0', '\u000b', '\u000c', '\u3000', ','),
      fc.boolean(),
    )
    .map(([command, user, gap, last]) => {
      if (command.toUpperCase() === 'LOGIN') return `${command}${gap}${user}${gap}${quoteWord(pw)}`;
      const role = command.toUpperCase() === 'USER ADD' ? `${gap}role=read` : '';
      const secret = `password=${quoteWord(pw)}`;
      const words = command.replace(' ', gap);
      return last
        ? `${words}${gap}${user}${role}${gap}${secret}`
        : `${words}${gap}${user}${gap}${secret}${role}`;
    });

/** Snippets worth dropping into a line: quoting, escapes, broken UTF-8, huge numbers, repeated options... */
const SNIPPETS: readonly Buffer[] = [
  '"',
  '\\',
  '\\"',
  '\\\\',
  '""',
  ' ',
  '\t',
  '\r',
  '\0',
  '=',
  '/',
  '..',
  ' id=1 id=1',
  ' id=1',
  ` sha256=${'0'.repeat(64)}`,
  ' if-version=0',
  ' 99999999999999999999',
  ' 9007199254740992',
  ' 0',
  ' 5',
  'UPLOAD ',
  'LOGIN ',
  'USER ',
  '\u00a0',
  '\u202e',
  '\u200d',
  '\u3000',
  '\u000b',
  '\u000c',
  '\u2028',
  '\ud83d\ude00',
  '\ue000',
  'e\u0301',
].map((text) => Buffer.from(text, 'utf8'));

const BROKEN_UTF8: readonly Buffer[] = [
  [0xff],
  [0xfe],
  [0xc3],
  [0xc0, 0x80],
  [0xe2, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf0, 0x9f, 0x98],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
].map((bytes) => Buffer.from(bytes));

const insertion: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SNIPPETS) },
  { weight: 2, arbitrary: fc.constantFrom(...BROKEN_UTF8) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }).map((bytes) => Buffer.from(bytes)) },
);

export type Mutation =
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Buffer }
  | { readonly kind: 'replace'; readonly at: number; readonly bytes: Buffer }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: insertion }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), bytes: insertion }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 16 }),
  }),
);

export function mutate(original: Buffer, mutations: readonly Mutation[]): Buffer {
  let bytes = original;
  for (const m of mutations) {
    const at = m.at % (bytes.length + 1);
    switch (m.kind) {
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      case 'replace':
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at + 1)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
        break;
      case 'duplicate':
        bytes = Buffer.concat([bytes.subarray(0, at + m.length), bytes.subarray(at)]);
        break;
    }
  }
  return bytes;
}

/** A line made from `base` by a few mutations (possibly none). */
export function mutated(base: fc.Arbitrary<string>, maxMutations = 4): fc.Arbitrary<Buffer> {
  return fc
    .tuple(base, fc.array(mutation, { maxLength: maxMutations }))
    .map(([text, mutations]) => mutate(Buffer.from(text, 'utf8'), mutations));
}

/** Bytes from an alphabet dense in the protocol's special characters, so random lines get somewhere. */
export const protocolishBytes: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...Buffer.from(' \t"\\=/.-_:0123456789')) },
      { weight: 3, arbitrary: fc.constantFrom(...Buffer.from('UPLOADLISTHELPabcxyz')) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
    ),
    { maxLength: 120 },
  )
  .map((bytes) => Buffer.from(bytes));

/** Any request line: random bytes, protocol-ish bytes, valid lines, and mutated valid lines. */
export const anyRequestLine: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 2, arbitrary: protocolishBytes },
  { weight: 2, arbitrary: requestLineText.map((text) => Buffer.from(text, 'utf8')) },
  { weight: 5, arbitrary: mutated(requestLineText) },
);

/** Cut points into a stream: chunks of any size, empty ones and single bytes included. */
export function chunked(wire: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (wire.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(wire.subarray(from, point));
    from = point;
  }
  chunks.push(wire.subarray(from));
  return chunks;
}
