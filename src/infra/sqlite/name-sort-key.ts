/**
 * Names as BLOB keys whose byte order (memcmp, then shorter first: how SQLite and PostgreSQL `bytea`
 * compare) is exactly JavaScript's string order, which compares UTF-16 code units. Plain UTF-8 does not
 * do this: it sorts by code point, so U+E000..U+FFFF come after astral characters there and before them
 * in JavaScript.
 *
 * The encoding is CESU-8: every UTF-16 code unit, surrogates included, is written the way UTF-8 writes a
 * code point below U+10000 (1 to 3 bytes). That is order-preserving and prefix-free per code unit, so
 * - key(a) < key(b) exactly when a < b in JavaScript, and
 * - key(name) starts with key(prefix) exactly when name.startsWith(prefix), even for a prefix that ends
 *   in half a surrogate pair.
 * It is UTF-8 itself for names without astral characters (so `CAST(key AS TEXT)` reads them in a SQL
 * shell) and one byte per ASCII character. No key ever contains the byte 0xFF, which gives every prefix
 * a simple upper bound.
 */

const SURROGATE = /[\uD800-\uDFFF]/;

export function nameKey(name: string): Buffer {
  // Without surrogates CESU-8 and UTF-8 are the same bytes.
  if (!SURROGATE.test(name)) return Buffer.from(name, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit < 0x80) bytes.push(unit);
    else if (unit < 0x800) bytes.push(0xc0 | (unit >> 6), 0x80 | (unit & 0x3f));
    else bytes.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f));
  }
  return Buffer.from(bytes);
}

/** The name a key was made from. */
export function nameOfKey(key: Uint8Array): string {
  // 0xED leads the encodings of U+D000..U+DFFF, surrogates among them; anything else is plain UTF-8.
  if (!key.includes(0xed)) return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8');
  let name = '';
  for (let i = 0; i < key.length;) {
    const lead = key[i];
    let unit: number;
    if (lead < 0x80) {
      unit = lead;
      i += 1;
    } else if (lead < 0xe0) {
      unit = ((lead & 0x1f) << 6) | (key[i + 1] & 0x3f);
      i += 2;
    } else {
      unit = ((lead & 0x0f) << 12) | ((key[i + 1] & 0x3f) << 6) | (key[i + 2] & 0x3f);
      i += 3;
    }
    name += String.fromCharCode(unit);
  }
  return name;
}

const ABOVE_EVERY_BYTE = Buffer.from([0xff]);

/** [low, high): the keys of exactly the names that start with `prefix` (every name when it is empty). */
export function prefixRange(prefix: string): { readonly low: Buffer; readonly high: Buffer } {
  const low = nameKey(prefix);
  return { low, high: Buffer.concat([low, ABOVE_EVERY_BYTE]) };
}

/** The smallest key after `key`: a strict lower bound as an inclusive one. */
export function keyAfter(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}
