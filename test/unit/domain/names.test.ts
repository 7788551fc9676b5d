import { MAX_NAME_BYTES, parseFileName } from '../../../src/domain/names';

function accepted(raw: string): string {
  const result = parseFileName(raw);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be accepted, got ${result.error.code}`);
  return result.value;
}

function refusalCode(raw: string): string | undefined {
  const result = parseFileName(raw);
  return result.ok ? undefined : result.error.code;
}

describe('parseFileName', () => {
  it.each([
    ['plain', 'report.txt'],
    ['spaces', 'my report final.txt'],
    ['quotes', `it's "quoted".txt`],
    ['UTF-8', 'résumé-日本語-😀.pdf'],
    ['nested segments', 'a/b/c'],
    ['equals signs', 'key=value=x'],
    ['dots inside a segment', 'a/..b/c../.hidden'],
  ])('accepts %s (%j)', (_label, raw) => {
    expect(accepted(raw)).toBe(raw);
  });

  it('normalises NFD to NFC so both spellings are the same name', () => {
    const decomposed = accepted('caf' + 'e\u0301');
    const composed = accepted('caf\u00e9');
    expect(decomposed).toBe(composed);
    expect(decomposed).toBe('caf\u00e9');
    expect(decomposed.length).toBe(4);
  });

  it.each([
    ['empty', ''],
    ['dot', '.'],
    ['dot-dot', '..'],
    ['dot-dot segment', 'a/../b'],
    ['dot segment', 'a/./b'],
    ['trailing dot-dot', 'a/..'],
    ['leading slash', '/a'],
    ['trailing slash', 'a/'],
    ['double slash', 'a//b'],
    ['lone slash', '/'],
    ['newline', 'a\nb'],
    ['tab', 'a\tb'],
    ['NUL', 'a\u0000b'],
    ['DEL', 'a\u007fb'],
    ['NEL (C1)', 'a\u0085b'],
    ['line separator', 'a\u2028b'],
    ['lone high surrogate', 'a\ud800b'],
    ['lone low surrogate', 'a\udc00b'],
    ['trailing high surrogate', 'abc\ud83d'],
  ])('refuses %s with BAD_NAME', (_label, raw) => {
    expect(refusalCode(raw)).toBe('BAD_NAME');
  });

  describe('length limit in UTF-8 bytes', () => {
    it('is 1024 bytes', () => {
      expect(MAX_NAME_BYTES).toBe(1024);
    });

    it('accepts exactly 1024 ASCII bytes and refuses 1025', () => {
      expect(accepted('a'.repeat(1024))).toHaveLength(1024);
      expect(refusalCode('a'.repeat(1025))).toBe('BAD_NAME');
    });

    it.each([
      ['2-byte', '\u00e9', 512],
      ['3-byte', '\u20ac', 341, 'a'],
      ['4-byte', '\u{1F600}', 256],
    ])(
      'accepts exactly 1024 bytes of %s characters and refuses one byte more',
      (_label, ch, count, pad = '') => {
        const exact = ch.repeat(count) + pad;
        expect(Buffer.byteLength(exact, 'utf8')).toBe(1024);
        expect(accepted(exact)).toBe(exact);
        const over = exact + 'x';
        expect(Buffer.byteLength(over, 'utf8')).toBe(1025);
        expect(refusalCode(over)).toBe('BAD_NAME');
      },
    );

    it('counts bytes after NFC normalisation (512 decomposed é fit, since they compose to 1024 bytes)', () => {
      const decomposed = 'e\u0301'.repeat(512);
      expect(Buffer.byteLength(decomposed, 'utf8')).toBe(1536);
      expect(Buffer.byteLength(accepted(decomposed), 'utf8')).toBe(1024);
    });
  });
});
