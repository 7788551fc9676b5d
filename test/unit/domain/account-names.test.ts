import {
  checkPasswordStrength,
  MAX_PASSWORD_BYTES,
  MIN_PASSWORD_LENGTH,
  parseHomePrefix,
  parseRole,
  parseUserName,
} from '../../../src/domain/account-names';
import { codeOf, valueOf } from '../../support/results';

describe('parseUserName', () => {
  it.each([
    'alice',
    'a',
    '0',
    '9lives',
    'alice.smith',
    'alice_smith',
    'alice-smith',
    'alice@example.org',
    'a-',
    'a.',
    'anonymous1',
    'anonymou',
    'x'.repeat(64),
  ])('accepts %p as it is', (raw) => {
    expect(valueOf(parseUserName(raw))).toBe(raw);
  });

  it.each([
    ['empty', ''],
    ['reserved', 'anonymous'],
    ['upper case', 'Alice'],
    ['upper case only', 'ALICE'],
    ['a colon, kept for local: actors', 'local:alice'],
    ['a trailing colon', 'alice:'],
    ['65 characters', 'x'.repeat(65)],
    ['a leading "-"', '-alice'],
    ['a leading "."', '.alice'],
    ['a leading "_"', '_alice'],
    ['a leading "@"', '@alice'],
    ['a space', 'alice smith'],
    ['a leading space', ' alice'],
    ['a trailing newline', 'alice\n'],
    ['a slash', 'alice/bob'],
    ['a non-ASCII letter', 'alicé'],
    ['a look-alike Cyrillic a', '\u0430lice'],
    ['a full-width letter', '\uff41lice'],
  ])('refuses %s (%p) with BAD_REQUEST', (_why, raw) => {
    expect(codeOf(parseUserName(raw))).toBe('BAD_REQUEST');
  });
});

describe('parseRole', () => {
  it.each(['read', 'write', 'admin'])('accepts %p', (raw) => {
    expect(valueOf(parseRole(raw))).toBe(raw);
  });

  it.each(['', 'Admin', 'ADMIN', 'owner', 'root', ' read', 'write '])(
    'refuses %p with BAD_REQUEST',
    (raw) => {
      expect(codeOf(parseRole(raw))).toBe('BAD_REQUEST');
    },
  );
});

describe('parseHomePrefix', () => {
  it.each(['alice/', 'team/alice/', 'a b/', 'données/'])('accepts the folder %p', (raw) => {
    expect(valueOf(parseHomePrefix(raw))).toBe(raw);
  });

  it('normalises the folder to NFC, as file names are', () => {
    const decomposed = 'cafe\u0301/';
    expect(valueOf(parseHomePrefix(decomposed))).toBe('caf\u00e9/');
  });

  it.each(['alice', 'alice/x', ''])('refuses %p, which does not end with "/", with BAD_REQUEST', (raw) => {
    expect(codeOf(parseHomePrefix(raw))).toBe('BAD_REQUEST');
  });

  it.each([
    ['the root alone', '/'],
    ['a double slash', 'alice//'],
    ['a leading slash', '/alice/'],
    ['a ".." segment', '../'],
    ['a "." segment', 'alice/./'],
    ['a control character', 'ali\u0000ce/'],
    ['a zero-width space', 'ali\u200bce/'],
    ['a segment of spaces', '  /'],
  ])('refuses %s (%p) as a bad name', (_why, raw) => {
    expect(codeOf(parseHomePrefix(raw))).toBe('BAD_NAME');
  });
});

describe('checkPasswordStrength', () => {
  it('has the documented bounds', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(8);
    expect(MAX_PASSWORD_BYTES).toBe(1024);
  });

  it('accepts exactly 8 characters and returns the password unchanged', () => {
    expect(valueOf(checkPasswordStrength('12345678'))).toBe('12345678');
  });

  it.each(['', 'a', '1234567'])('refuses %p, under 8 characters, with BAD_REQUEST', (raw) => {
    expect(codeOf(checkPasswordStrength(raw))).toBe('BAD_REQUEST');
  });

  it('counts characters, not UTF-16 code units: 7 emoji are too few, 8 are enough', () => {
    const emoji = '\u{1F511}';
    expect('\u{1F511}'.repeat(7).length).toBe(14);
    expect(codeOf(checkPasswordStrength(emoji.repeat(7)))).toBe('BAD_REQUEST');
    expect(valueOf(checkPasswordStrength(emoji.repeat(8)))).toBe(emoji.repeat(8));
  });

  it('accepts exactly 1024 bytes and refuses 1025', () => {
    expect(valueOf(checkPasswordStrength('p'.repeat(1024)))).toHaveLength(1024);
    expect(codeOf(checkPasswordStrength('p'.repeat(1025)))).toBe('BAD_REQUEST');
  });

  it('counts UTF-8 bytes, not characters: 512 two-byte characters fit, 513 do not', () => {
    expect(valueOf(checkPasswordStrength('é'.repeat(512)))).toHaveLength(512);
    expect(codeOf(checkPasswordStrength('é'.repeat(513)))).toBe('BAD_REQUEST');
    expect(codeOf(checkPasswordStrength('\u{1F511}'.repeat(257)))).toBe('BAD_REQUEST');
  });

  it('never echoes the password in its refusal', () => {
    for (const secret of ['hunter2', `s3cr3t-${'x'.repeat(1100)}`]) {
      const result = checkPasswordStrength(secret);
      if (result.ok) throw new Error('expected a refusal');
      expect(result.error.message).not.toContain('hunter2');
      expect(result.error.message).not.toContain('s3cr3t');
    }
  });
});
