import { parseFileName } from '../../../src/domain/names';

function refusal(raw: string): string {
  const result = parseFileName(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
  expect(result.error.code).toBe('BAD_NAME');
  return result.error.message;
}

describe('parseFileName refuses names that could pose as others', () => {
  it('refuses the right-to-left override that makes "\\u202Efdp.exe" show as "exe.pdf"', () => {
    expect(refusal('\u202Efdp.exe')).toBe('name contains an invisible format character (U+202E)');
  });

  it('refuses a zero-width space that makes "vic\\u200Btim" look like "victim"', () => {
    expect(refusal('vic\u200Btim')).toBe('name contains an invisible format character (U+200B)');
  });

  it.each([
    ['left-to-right mark', '\u200E'],
    ['right-to-left mark', '\u200F'],
    ['left-to-right embedding', '\u202A'],
    ['right-to-left embedding', '\u202B'],
    ['pop directional formatting', '\u202C'],
    ['left-to-right override', '\u202D'],
    ['right-to-left override', '\u202E'],
    ['left-to-right isolate', '\u2066'],
    ['right-to-left isolate', '\u2067'],
    ['first strong isolate', '\u2068'],
    ['pop directional isolate', '\u2069'],
    ['Arabic letter mark', '\u061C'],
    ['zero-width space', '\u200B'],
    ['zero-width non-joiner', '\u200C'],
    ['zero-width joiner', '\u200D'],
    ['word joiner', '\u2060'],
    ['invisible times', '\u2062'],
    ['byte order mark', '\uFEFF'],
    ['soft hyphen', '\u00AD'],
    ['Mongolian vowel separator', '\u180E'],
    ['tag character', '\u{E0041}'],
  ])('refuses a %s (format character)', (_label, ch) => {
    for (const raw of [`a${ch}b`, `${ch}ab`, `ab${ch}`, `dir/${ch}x`]) {
      expect(refusal(raw)).toMatch(/^name contains an invisible format character \(U\+[0-9A-F]{4,5}\)$/);
    }
  });

  it.each([
    ['no-break space', '\u00A0'],
    ['Ogham space mark', '\u1680'],
    ['en quad', '\u2000'],
    ['em space', '\u2003'],
    ['thin space', '\u2009'],
    ['hair space', '\u200A'],
    ['narrow no-break space', '\u202F'],
    ['medium mathematical space', '\u205F'],
    ['ideographic space', '\u3000'],
  ])('refuses a %s (whitespace other than U+0020)', (_label, ch) => {
    expect(refusal(`a${ch}b`)).toMatch(
      /^name contains whitespace other than the space U\+0020 \(U\+[0-9A-F]{4}\)$/,
    );
  });

  it('still refuses tabs and line breaks as control characters', () => {
    expect(refusal('a\tb')).toBe('name contains a control character');
    expect(refusal('a\u0085b')).toBe('name contains a control character');
    expect(refusal('a\u2028b')).toBe('name contains a control character');
  });

  it.each([
    ['one space', ' '],
    ['three spaces', '   '],
    ['a folder of spaces', '  /file.txt'],
    ['a file of spaces', 'docs/ '],
    ['a middle segment of spaces', 'a/   /b'],
  ])('refuses a segment made only of spaces: %s', (_label, raw) => {
    expect(refusal(raw)).toBe('name has a segment made only of spaces');
  });

  it.each([
    ['leading space', ' report.txt'],
    ['trailing space', 'report.txt '],
    ['leading space in a folder', ' docs/report.txt'],
    ['trailing space in a folder', 'docs /report.txt'],
    ['space after a slash', 'docs/ report.txt'],
  ])('refuses a segment with a %s', (_label, raw) => {
    expect(refusal(raw)).toBe('name has a segment that starts or ends with a space');
  });

  it.each([
    ['BMP private use', '\uE000'],
    ['BMP private use, last', '\uF8FF'],
    ['plane 15 private use', '\u{F0000}'],
    ['plane 16 private use', '\u{10FFFD}'],
  ])('refuses %s code points', (_label, ch) => {
    expect(refusal(`a${ch}.txt`)).toMatch(/^name contains a private-use character \(U\+[0-9A-F]{4,6}\)$/);
  });

  it.each([
    ['an unassigned BMP code point', '\u0378'],
    ['an unassigned supplementary code point', '\u{2FFFE}'],
    ['a noncharacter', '\uFFFF'],
    ['a noncharacter in the Arabic block', '\uFDD0'],
  ])('refuses %s', (_label, ch) => {
    expect(refusal(`a${ch}.txt`)).toMatch(/^name contains an unassigned code point \(U\+[0-9A-F]{4,5}\)$/);
  });

  it('keeps refusing what it refused before, with the same messages', () => {
    expect(refusal('')).toBe('name is empty');
    expect(refusal('a/../b')).toBe('name has a ".." segment');
    expect(refusal('a/./b')).toBe('name has a "." segment');
    expect(refusal('a//b')).toBe('name has an empty segment (leading, trailing or double "/")');
    expect(refusal('a\u0000b')).toBe('name contains a control character');
    expect(refusal('a\ud800')).toBe('name is not valid Unicode');
    expect(refusal('a'.repeat(1025))).toBe('name is longer than 1024 bytes');
  });

  it.each([
    ['spaces inside a segment', 'docs/my notes.txt'],
    ['several spaces inside', 'a  b/c   d'],
    ['accents', 'Résumé.pdf'],
    ['Japanese', '日本語/ファイル.txt'],
    ['an emoji', '📄.txt'],
    ['an emoji with a variation selector', '❤\uFE0F.txt'],
    ['Arabic', 'تقرير.pdf'],
    ['Hebrew', 'דוח.txt'],
    ['combining marks after NFC', 'e\u0301.txt'],
    ['dots and dashes', '.hidden/a-b_c.d'],
  ])('still accepts %s (%j)', (_label, raw) => {
    const result = parseFileName(raw);
    expect(result).toEqual({ ok: true, value: raw.normalize('NFC') });
  });
});
