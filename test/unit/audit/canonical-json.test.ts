import { canonicalJson, JsonValue } from '../../../src/domain/audit/canonical-json';

function float64FromBits(hex: string): number {
  return new DataView(Uint8Array.from(Buffer.from(hex, 'hex')).buffer).getFloat64(0);
}

describe('canonicalJson (RFC 8785)', () => {
  it('serializes the RFC 8785 section 3.2.2 example', () => {
    const input = JSON.parse(
      String.raw`{
        "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
        "literals": [null, true, false]
      }`,
    ) as JsonValue;
    expect(canonicalJson(input)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input: JsonValue = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Compared as text: JavaScript objects list integer-like keys such as "1" first, whatever the order.
    // U+1F600 (surrogates D83D DE00) sorts before U+FB33: code-unit order, not code-point order.
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('sorts keys without locale or length tricks', () => {
    expect(canonicalJson({ b: 1, a: 2, B: 3, aa: 4, '': 5, ä: 6, 10: 7, 9: 8 })).toBe(
      '{"":5,"10":7,"9":8,"B":3,"a":2,"aa":4,"b":1,"ä":6}',
    );
  });

  it('sorts nested objects, keeps array order and emits no whitespace', () => {
    const input: JsonValue = { z: [3, { y: null, x: [true, {}] }, []], a: { d: 'd', c: { f: 1, e: 2 } } };
    expect(canonicalJson(input)).toBe(
      '{"a":{"c":{"e":2,"f":1},"d":"d"},"z":[3,{"x":[true,{}],"y":null},[]]}',
    );
  });

  it.each<[number, string]>([
    [0, '0'],
    [-0, '0'],
    [0.1, '0.1'],
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [-1.5, '-1.5'],
    [1e-7, '1e-7'],
    [123456789012, '123456789012'],
  ])('serializes the number %p as %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  // From the IEEE 754 table of RFC 8785 appendix B.
  it.each([
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af6', '1e+23'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555555', '333333333.3333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('serializes the double 0x%s as %s', (bits, expected) => {
    expect(canonicalJson(float64FromBits(bits))).toBe(expected);
  });

  it('escapes control characters, quotes and backslashes, and nothing else', () => {
    expect(canonicalJson('\u0000\u0001\b\t\n\u000b\f\r\u001f "\\/\u007f\u2028é😀')).toBe(
      '"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \\"\\\\/\u007f\u2028é😀"',
    );
  });

  it('escapes keys the same way as values', () => {
    expect(canonicalJson({ 'a"b\n': 1 })).toBe('{"a\\"b\\n":1}');
  });

  it.each<[string, unknown]>([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a bigint', 1n],
    ['a nested NaN', { a: [1, NaN] }],
    ['a property holding undefined', { a: 1, b: undefined }],
    ['an array element holding undefined', [1, undefined]],
    ['a sparse array', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a boxed number', Object(1) as unknown],
    ['a class instance', new (class Event {})()],
    ['a symbol key', { [Symbol('s')]: 1 }],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00'],
    ['a lone surrogate in a key', { '\ud800': 1 }],
    ['a typed array', Uint8Array.of(1)],
  ])('rejects %s', (_label, value) => {
    expect(() => canonicalJson(value as JsonValue)).toThrow(TypeError);
  });

  it('rejects cycles instead of overflowing the stack', () => {
    const cyclic: { [k: string]: JsonValue } = { a: 1 };
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/ancestors/);
  });

  it('accepts a value shared by siblings, since that is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe('{"a":{"x":1},"b":[{"x":1},{"x":1}]}');
  });

  it('accepts null-prototype objects and "__proto__" as an ordinary key', () => {
    const bare = Object.create(null) as { [k: string]: JsonValue };
    bare.k = 'v';
    expect(canonicalJson(bare)).toBe('{"k":"v"}');
    expect(canonicalJson(JSON.parse('{"__proto__":1,"a":2}') as JsonValue)).toBe('{"__proto__":1,"a":2}');
  });

  it('is a fixed point of JSON.parse', () => {
    const canonical = '{"a":[1,2.5,"x\\u0001"],"b":{"c":null,"d":false}}';
    expect(canonicalJson(JSON.parse(canonical) as JsonValue)).toBe(canonical);
  });
});
