import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { SocketWriter } from '../../../src/transport/socket-writer';

/**
 * A socket that takes every write at once (below its high-water mark) but reports it written only when
 * told: as a real socket does with bytes it still holds for the kernel.
 */
class HoldingSocket extends EventEmitter {
  destroyed = false;
  writable = true;
  readonly held: Array<{ data: Uint8Array | string; done?: (error?: Error | null) => void }> = [];

  write(data: Uint8Array | string, done?: (error?: Error | null) => void): boolean {
    this.held.push({ data, done });
    return true;
  }

  /** The kernel took the oldest held write. */
  flushOne(error?: Error): void {
    this.held.shift()?.done?.(error ?? null);
  }
}

describe('SocketWriter.sendBody', () => {
  it('says a chunk was written only once the socket reports it, not when the socket took it', async () => {
    const socket = new HoldingSocket();
    const writer = new SocketWriter(socket as unknown as Socket);
    const written: string[] = [];
    const first = Buffer.from('first');
    const second = Buffer.from('second');
    expect(await writer.sendBody(first, () => written.push('first'))).toBe(true);
    expect(await writer.sendBody(second, () => written.push('second'))).toBe(true);
    expect(written).toEqual([]);
    socket.flushOne();
    expect(written).toEqual(['first']);
    socket.flushOne(new Error('socket destroyed'));
    expect(written).toEqual(['first', 'second']);
  });

  it('hands nothing to a socket that is gone, and so never calls written', async () => {
    const socket = new HoldingSocket();
    socket.destroyed = true;
    const writer = new SocketWriter(socket as unknown as Socket);
    const written = jest.fn();
    expect(await writer.sendBody(Buffer.from('late'), written)).toBe(false);
    expect(socket.held).toEqual([]);
    expect(written).not.toHaveBeenCalled();
  });
});
