/**
 * RFC 8785 (JSON Canonicalization Scheme). An audit leaf commits to the canonical bytes of an event, so two
 * equal events must serialize identically and two different events must never serialize identically:
 * everything that JSON.stringify would silently drop, coerce or mangle is rejected instead.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

// A lone surrogate has no UTF-8 encoding; encoders replace it with U+FFFD, so distinct strings would collide.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function canonicalJson(value: JsonValue): string {
  return serialize(value, new Set<object>(), '$');
}

function serialize(value: unknown, ancestors: Set<object>, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return serializeNumber(value, path);
    case 'string':
      return serializeString(value, path);
    case 'object':
      return serializeContainer(value, ancestors, path);
    default:
      throw new TypeError(`canonicalJson: ${path} is ${typeof value}, which has no JSON form`);
  }
}

function serializeNumber(value: number, path: string): string {
  if (!Number.isFinite(value)) {
    throw new TypeError(`canonicalJson: ${path} is ${value}, which has no JSON form`);
  }
  // JCS adopts the ECMAScript Number-to-String algorithm, which is what JSON.stringify uses (-0 becomes 0).
  return JSON.stringify(value);
}

function serializeString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) throw new TypeError(`canonicalJson: ${path} contains a lone surrogate`);
  // For well-formed strings JSON.stringify's escaping is the one RFC 8785 section 3.2.2.2 prescribes.
  return JSON.stringify(value);
}

function serializeContainer(value: object, ancestors: Set<object>, path: string): string {
  if (ancestors.has(value)) throw new TypeError(`canonicalJson: ${path} refers back to one of its ancestors`);
  ancestors.add(value);
  try {
    return Array.isArray(value)
      ? serializeArray(value, ancestors, path)
      : serializeObject(value, ancestors, path);
  } finally {
    ancestors.delete(value);
  }
}

function serializeArray(items: unknown[], ancestors: Set<object>, path: string): string {
  const parts: string[] = [];
  for (let i = 0; i < items.length; i++) {
    // A hole reads as undefined; JSON.stringify would quietly turn it into null.
    if (!(i in items)) throw new TypeError(`canonicalJson: ${path}[${i}] is a hole in a sparse array`);
    parts.push(serialize(items[i], ancestors, `${path}[${i}]`));
  }
  return `[${parts.join(',')}]`;
}

function serializeObject(record: object, ancestors: Set<object>, path: string): string {
  const prototype: unknown = Object.getPrototypeOf(record);
  // Dates, Maps, class instances and boxed primitives would each be coerced or emptied by JSON.stringify.
  if (prototype !== Object.prototype && prototype !== null) {
    throw new TypeError(`canonicalJson: ${path} is not a plain object`);
  }
  if (Object.getOwnPropertySymbols(record).length > 0) {
    throw new TypeError(`canonicalJson: ${path} has symbol keys, which have no JSON form`);
  }
  const entries = record as Record<string, unknown>;
  // The default sort compares UTF-16 code units, which is the order RFC 8785 section 3.2.3 requires.
  const keys = Object.keys(entries).sort();
  const members = keys.map((key) => {
    const memberPath = `${path}[${JSON.stringify(key)}]`;
    return `${serializeString(key, memberPath)}:${serialize(entries[key], ancestors, memberPath)}`;
  });
  return `{${members.join(',')}}`;
}
