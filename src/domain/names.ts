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

export function parseFileName(raw: string): Result<FileName> {
  if (!raw.isWellFormed()) return fail('BAD_NAME', 'name is not valid Unicode');
  const name = raw.normalize('NFC');
  if (name.length === 0) return fail('BAD_NAME', 'name is empty');
  if (utf8Length(name) > MAX_NAME_BYTES)
    return fail('BAD_NAME', `name is longer than ${MAX_NAME_BYTES} bytes`);
  if (FORBIDDEN_CHARACTER.test(name)) return fail('BAD_NAME', 'name contains a control character');
  for (const segment of name.split('/')) {
    if (segment === '')
      return fail('BAD_NAME', 'name has an empty segment (leading, trailing or double "/")');
    if (segment === '.' || segment === '..') return fail('BAD_NAME', `name has a "${segment}" segment`);
  }
  return ok(name as FileName);
}

/** A prefix filters names; it is matched against normalised names, so it is normalised the same way. */
export function normalisePrefix(raw: string): string {
  return raw.normalize('NFC');
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
