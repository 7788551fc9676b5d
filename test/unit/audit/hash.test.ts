import fc from 'fast-check';
import { bytesEqual, concatBytes, fromHex, toHex } from '../../../src/domain/audit/hash';

describe('hash helpers', () => {
  it('round-trips bytes through lowercase hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toBe(Buffer.from(bytes).toString('hex'));
        expect(fromHex(hex)).toEqual(bytes);
      }),
    );
  });

  it('accepts uppercase hex', () => {
    expect(fromHex('00FFaB')).toEqual(Uint8Array.of(0x00, 0xff, 0xab));
  });

  it.each(['0', 'abc', '0g', 'zz', ' 00', '00 ', '0x00', '+1', '-1'])('rejects %j', (bad) => {
    expect(() => fromHex(bad)).toThrow(TypeError);
  });

  it('compares bytes by length and content', () => {
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    expect(bytesEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('concatenates in order', () => {
    expect(concatBytes()).toEqual(new Uint8Array(0));
    expect(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(
      Uint8Array.of(1, 2, 3),
    );
  });
});
