import { ReadBufferRing } from '../../../src/transport/read-buffer-ring';

describe('ReadBufferRing', () => {
  it('makes a new buffer while none was given back, and hands a given-back one out again', () => {
    const ring = new ReadBufferRing(2);
    const first = ring.take(1024);
    const second = ring.take(1024);
    expect(first.buffer).not.toBe(second.buffer);
    ring.give(first.subarray(0, 10));
    const again = ring.take(1024);
    expect(again.buffer).toBe(first.buffer);
    expect(again.length).toBe(1024);
  });

  it('ignores chunks that are not its own, and a buffer given back twice', () => {
    const ring = new ReadBufferRing(4);
    ring.give(Buffer.alloc(1024));
    const mine = ring.take(1024);
    ring.give(mine);
    ring.give(mine.subarray(5));
    const a = ring.take(1024);
    const b = ring.take(1024);
    expect(a.buffer).toBe(mine.buffer);
    expect(b.buffer).not.toBe(mine.buffer);
  });

  it('keeps at most its capacity of buffers given back', () => {
    const ring = new ReadBufferRing(1);
    const a = ring.take(64);
    const b = ring.take(64);
    ring.give(a);
    ring.give(b);
    expect(ring.take(64).buffer).toBe(a.buffer);
    expect(ring.take(64).buffer).not.toBe(b.buffer);
  });

  it('hands out a given-back buffer only if it is large enough', () => {
    const ring = new ReadBufferRing(2);
    const small = ring.take(16);
    const large = ring.take(64);
    ring.give(large);
    ring.give(small);
    expect(ring.take(64).buffer).toBe(large.buffer);
    const another = ring.take(64);
    expect(another.length).toBe(64);
    expect(another.buffer).not.toBe(small.buffer);
    expect(ring.take(8).buffer).toBe(small.buffer);
  });
});
