import { SocketWriter } from './socket-writer';

/**
 * Requests are not read while this many replies wait to go out (their events not durable yet, or the
 * socket not taking them), which bounds the events a pipelining peer has in hand...
 */
const MAX_PENDING_REPLIES = 64;

/** ...or while this much reply text waits to be taken by the socket: a peer that does not read pays, not us. */
const MAX_QUEUED_REPLY_BYTES = 256 * 1024;

/**
 * A session's replies, in request order: each goes out once the events recorded before it are durable,
 * and the next only once the socket has taken it. It counts what waits, so the session can stop reading
 * requests while too much does.
 */
export class ReplyQueue {
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Bytes of reply text queued and not yet taken by the socket. */
  private bytes = 0;
  /** Waiting for room: woken each time a reply leaves the queue. */
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly writer: SocketWriter,
    /** Resolves once every event recorded so far is durable. */
    private readonly durable: () => Promise<void>,
    /** The log could not be written: the reply must not go out, and the session must end. */
    private readonly onFailure: (error: unknown) => void,
    /** Whether the session gave up on the connection: queued replies are then dropped. */
    private readonly abandoned: () => boolean,
  ) {}

  /** Resolves once every reply queued so far is out (or dropped). */
  get drained(): Promise<void> {
    return this.chain;
  }

  push(text: string): void {
    const durable = this.durable();
    const bytes = Buffer.byteLength(text);
    this.pending++;
    this.bytes += bytes;
    this.chain = this.chain.then(async () => {
      try {
        await durable;
        if (!this.abandoned()) await this.writer.send(text);
      } catch (error) {
        this.onFailure(error);
      } finally {
        this.pending--;
        this.bytes -= bytes;
        for (const wake of this.waiting.splice(0)) wake();
      }
    });
  }

  /**
   * Waits while another reply would queue behind too much: too many replies or too many bytes of them (a
   * reply counts until the socket has taken it, so a peer that does not read keeps them counted). The
   * caller reads nothing meanwhile, so the socket is paused and the peer's further requests wait in the
   * network, not in our memory. One reply out makes room for one more request, so replies keep flowing
   * while the next requests' events are committed.
   */
  async room(stop: () => boolean): Promise<void> {
    while (!stop() && (this.pending >= MAX_PENDING_REPLIES || this.bytes >= MAX_QUEUED_REPLY_BYTES)) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }
}
