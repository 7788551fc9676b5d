import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import { ServerAddress } from '../../src/transport/client/ferry-client';

/** A bare socket that speaks the protocol by hand, the way a person with `nc` would. */
export class RawConnection {
  private received = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private ended = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** `localAddress`: connect from another loopback address (127.0.0.2 is another client to the server). */
  static async open(address: ServerAddress, localAddress?: string): Promise<RawConnection> {
    const socket = connect({ port: address.port, host: address.host, localAddress });
    await once(socket, 'connect');
    const connection = new RawConnection(socket);
    await connection.lines(1);
    return connection;
  }

  /** Bytes received and not yet taken by `lines` or `bytes`. */
  get unread(): number {
    return this.received.length;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until `count` more complete lines arrived (or the connection closed) and returns them. */
  async lines(count: number): Promise<string[]> {
    const taken: string[] = [];
    while (taken.length < count) {
      const newline = this.received.indexOf(0x0a);
      if (newline !== -1) {
        taken.push(this.received.subarray(0, newline).toString('utf8'));
        this.received = this.received.subarray(newline + 1);
        continue;
      }
      if (this.ended) break;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return taken;
  }

  async bytes(length: number): Promise<Buffer> {
    while (this.received.length < length && !this.ended) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const taken = this.received.subarray(0, length);
    this.received = this.received.subarray(length);
    return taken;
  }

  /** Resolves when the server has closed the connection. */
  async closed(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
