import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { ServerAddress } from '../../src/transport/client/ferry-client';

/** What the proxy does to one connection: cut it after so many bytes one way, or flip one byte. */
export interface LinkPlan {
  /** Client-to-server bytes let through before the link is cut (both sockets destroyed). */
  readonly cutUpAfter?: number;
  /** Server-to-client bytes let through before the link is cut. */
  readonly cutDownAfter?: number;
  /** The client-to-server byte at this position (from the connection's first) is inverted. */
  readonly flipUpAt?: number;
  /**
   * After this many bytes one way, nothing more is carried that way (the sender blocks on backpressure)
   * until the link is cut: a transfer held mid-way, for a test to kill a client in the middle of it.
   */
  readonly stallUpAfter?: number;
  readonly stallDownAfter?: number;
}

/**
 * A loopback TCP proxy between a client and a server that follows one plan per connection, in the order
 * connections arrive (later ones pass untouched), and counts the bytes it carried each way.
 */
export class CuttingProxy {
  private readonly server: Server;
  private readonly plans: LinkPlan[];
  private readonly links = new Set<() => void>();
  /** Bytes carried client to server and server to client, over every connection. */
  up = 0;
  down = 0;

  private constructor(
    private readonly target: ServerAddress,
    plans: readonly LinkPlan[],
  ) {
    this.plans = [...plans];
    this.server = createServer((client) => this.relay(client, this.plans.shift() ?? {}));
  }

  static async start(target: ServerAddress, plans: readonly LinkPlan[]): Promise<CuttingProxy> {
    const proxy = new CuttingProxy(target, plans);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve()));
    return proxy;
  }

  get address(): ServerAddress {
    return { host: '127.0.0.1', port: (this.server.address() as AddressInfo).port };
  }

  /** Plans for the connections still to come. */
  plan(...plans: LinkPlan[]): void {
    this.plans.push(...plans);
  }

  /** Cuts every link open now, as a dead client's would be cut: what was carried still arrives. */
  cutAll(): void {
    for (const cut of this.links) cut();
    this.links.clear();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, plan: LinkPlan): void {
    const upstream = connect(this.target.port, this.target.host);
    // What was let through still arrives (end, not destroy, on the side that receives it); nothing more.
    const cut = (receiver: Socket, sender: Socket) => {
      receiver.end();
      sender.destroy();
    };
    // The server's side is read again so what it still sends drains (into nothing) and it sees the end.
    let severed = false;
    const cutBoth = () => {
      severed = true;
      upstream.resume();
      cut(upstream, client);
    };
    this.links.add(cutBoth);
    upstream.on('close', () => this.links.delete(cutBoth));
    let upSeen = 0;
    let downSeen = 0;
    client.on('data', (chunk: Buffer) => {
      let bytes = chunk;
      if (plan.flipUpAt !== undefined && plan.flipUpAt >= upSeen && plan.flipUpAt < upSeen + bytes.length) {
        bytes = Buffer.from(bytes);
        bytes[plan.flipUpAt - upSeen] ^= 0xff;
      }
      const limit = plan.cutUpAfter ?? plan.stallUpAfter;
      const allowed = limit === undefined ? bytes.length : limit - upSeen;
      upSeen += bytes.length;
      this.forward(client, upstream, bytes.subarray(0, Math.max(0, allowed)), 'up');
      if (allowed >= bytes.length) return;
      if (plan.cutUpAfter !== undefined) cut(upstream, client);
      else client.pause();
    });
    upstream.on('data', (chunk: Buffer) => {
      if (severed) return;
      const limit = plan.cutDownAfter ?? plan.stallDownAfter;
      const allowed = limit === undefined ? chunk.length : limit - downSeen;
      downSeen += chunk.length;
      this.forward(upstream, client, chunk.subarray(0, Math.max(0, allowed)), 'down');
      if (allowed >= chunk.length) return;
      if (plan.cutDownAfter !== undefined) cut(client, upstream);
      else upstream.pause();
    });
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }

  /** Writes with backpressure: the source pauses until the destination drains. */
  private forward(from: Socket, to: Socket, bytes: Buffer, way: 'up' | 'down'): void {
    if (bytes.length === 0 || to.destroyed || to.writableEnded) return;
    this[way] += bytes.length;
    if (!to.write(bytes)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  }
}
