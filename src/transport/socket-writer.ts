import { Socket } from 'node:net';

/**
 * Writes replies and bodies to a socket, waiting for it to drain so a slow reader bounds our buffering:
 * each write resolves once the socket has taken it (its buffer is below its high-water mark again).
 */
export class SocketWriter {
  constructor(
    private readonly socket: Socket,
    /** Called each time the socket takes a write: the peer is accepting what we send. */
    private readonly onAccepted: () => void = () => undefined,
  ) {}

  /** Resolves true once the socket has taken the text, false if it closed first. */
  send(text: string): Promise<boolean> {
    return this.write(text);
  }

  /**
   * Resolves true once the socket has taken the chunk, false if it closed first. If the chunk was handed to
   * the socket, `written` is called once the socket no longer refers to its bytes (written, or the socket
   * gone), never before; a chunk never handed over (the socket was closed already) gets no call.
   */
  sendBody(chunk: Uint8Array, written?: () => void): Promise<boolean> {
    return this.write(chunk, written);
  }

  /** Writes without waiting: for a last word before the connection goes. */
  sendNow(text: string): void {
    if (this.writable) this.socket.write(text);
  }

  private async write(data: string | Uint8Array, written?: () => void): Promise<boolean> {
    if (!this.writable) return false;
    const accepted = this.socket.write(data, written) || (await this.drain());
    if (accepted) this.onAccepted();
    return accepted;
  }

  private drain(): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        resolve(drained);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      this.socket.on('drain', onDrain);
      this.socket.on('close', onClose);
    });
  }

  /** Flushes what was written, then closes; a socket that will not flush in time is destroyed. */
  end(): void {
    if (!this.writable) return;
    this.socket.end();
    const cut = setTimeout(() => this.socket.destroy(), 5000).unref();
    this.socket.once('close', () => clearTimeout(cut));
  }

  private get writable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }
}
