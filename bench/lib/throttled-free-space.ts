import { FreeSpace } from '../../src/domain/ports/free-space.port';

/**
 * For generating benchmark folders only: the real free-space check, asked at most once per `everyMs`
 * instead of once per upload (a statfs through the thread pool costs the event loop 40-100 µs, which at
 * millions of uploads is minutes). Refusals for lack of space still come, a little later.
 */
export class ThrottledFreeSpace implements FreeSpace {
  private last: { at: number; value: Promise<number | undefined> } | undefined;

  constructor(
    private readonly inner: FreeSpace,
    private readonly everyMs = 250,
  ) {}

  available(): Promise<number | undefined> {
    const now = Date.now();
    if (!this.last || now - this.last.at >= this.everyMs) {
      this.last = { at: now, value: this.inner.available() };
    }
    return this.last.value;
  }
}
