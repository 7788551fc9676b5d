import { Socket } from 'node:net';

/** Writes replies and bodies to a socket, waiting for it to drain so a slow reader bounds our buffering. */
export class SocketWriter {
  constructor(private readonly socket: Socket) {}

  send(text: string): void {
    if (this.writable) this.socket.write(text);
  }

  /** Resolves false once the socket can take no more (it closed). */
  async sendBody(chunk: Uint8Array): Promise<boolean> {
    if (!this.writable) return false;
    if (this.socket.write(chunk)) return true;
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
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  private get writable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }
}
