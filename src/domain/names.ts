import { fail, ok, Result } from './errors';

/**
 * A file name is a key, like an object-storage key: it never becomes a filesystem path, so these rules
 * exist to keep names unambiguous and printable, not to guard a directory tree.
 */
export type FileName = string & { readonly __brand: 'FileName' };

export const MAX_NAME_BYTES = 1024;

// C0 controls, DEL, C1 controls, and Unicode line/paragraph separators that would break a one-line listing.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * Characters that let one name pose as another. Format characters (\p{Cf}) are invisible or reorder
 * what is shown: bidi controls such as U+202E, zero-width U+200B-U+200D, U+2060, U+FEFF, soft hyphen...
 */
const FORMAT_CHARACTER = /\p{Cf}/u;
/** Any whitespace but the ASCII space: no-break, en/em and ideographic spaces look like it or like nothing. */
const OTHER_WHITESPACE = /(?! )\p{White_Space}/u;
/** Private-use code points render as whatever a font decides. */
const PRIVATE_USE = /\p{Co}/u;
/** Code points unassigned in this Unicode version (noncharacters included) have no agreed look. */
const UNASSIGNED = /\p{Cn}/u;
const ONLY_SPACES = /^ +$/;

export function parseFileName(raw: string): Result<FileName> {
  if (!raw.isWellFormed()) return fail('BAD_NAME', 'name is not valid Unicode');
  const name = raw.normalize('NFC');
  if (name.length === 0) return fail('BAD_NAME', 'name is empty');
  if (utf8Length(name) > MAX_NAME_BYTES)
    return fail('BAD_NAME', `name is longer than ${MAX_NAME_BYTES} bytes`);
  if (FORBIDDEN_CHARACTER.test(name)) return fail('BAD_NAME', 'name contains a control character');
  const confusable = confusableCharacter(name);
  if (confusable !== undefined) return fail('BAD_NAME', confusable);
  for (const segment of name.split('/')) {
    if (segment === '')
      return fail('BAD_NAME', 'name has an empty segment (leading, trailing or double "/")');
    if (segment === '.' || segment === '..') return fail('BAD_NAME', `name has a "${segment}" segment`);
    if (ONLY_SPACES.test(segment)) return fail('BAD_NAME', 'name has a segment made only of spaces');
    if (segment.startsWith(' ') || segment.endsWith(' '))
      return fail('BAD_NAME', 'name has a segment that starts or ends with a space');
  }
  return ok(name as FileName);
}

/** A prefix filters names; it is matched against normalised names, so it is normalised the same way. */
export function normalisePrefix(raw: string): string {
  return raw.normalize('NFC');
}

/** Says which rule a character that would make the name pose as another breaks, if one does. */
function confusableCharacter(name: string): string | undefined {
  const rules: [RegExp, string][] = [
    [FORMAT_CHARACTER, 'an invisible format character'],
    [OTHER_WHITESPACE, 'whitespace other than the space U+0020'],
    [PRIVATE_USE, 'a private-use character'],
    [UNASSIGNED, 'an unassigned code point'],
  ];
  for (const [pattern, what] of rules) {
    const found = pattern.exec(name)?.[0];
    if (found !== undefined) return `name contains ${what} (${codePoint(found)})`;
  }
  return undefined;
}

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
