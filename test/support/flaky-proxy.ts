import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { ServerAddress } from '../../src/transport/client/ferry-client';

/**
 * A loopback TCP proxy that cuts the first `drops` connections the moment the server answers something
 * after its greeting: the request was carried out, but the client never hears the result.
 */
export class FlakyProxy {
  private readonly server: Server;
  private remainingDrops: number;

  private constructor(target: ServerAddress, drops: number) {
    this.remainingDrops = drops;
    this.server = createServer((client) => this.relay(client, target));
  }

  static async start(target: ServerAddress, drops: number): Promise<FlakyProxy> {
    const proxy = new FlakyProxy(target, drops);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve()));
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, target: ServerAddress): void {
    const upstream = connect(target.port, target.host);
    const drop = this.remainingDrops > 0;
    if (drop) this.remainingDrops--;
    let replies = 0;
    upstream.on('data', (chunk: Buffer) => {
      replies += chunk.toString('latin1').split('\n').length - 1;
      if (drop && replies > 1) {
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }
}
