import { connect, Socket } from 'node:net';

/**
 * A bare TCP connection to a Ferry server that speaks the protocol by hand, for clients that misbehave
 * on purpose (trickling bytes, never reading), which FerryClient will not do. Reply lines are collected
 * as they come; `nextLine` waits for the next one.
 */
export class RawConnection {
  private buffered = '';
  private readonly lines: string[] = [];
  private readonly waiting: Array<(line: string | undefined) => void> = [];
  private closed = false;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      for (const wake of this.waiting.splice(0)) wake(undefined);
    });
  }

  /** Connects and reads the greeting; rejects if the server refuses or hangs up instead. */
  static async open(host: string, port: number, timeoutMs = 30_000): Promise<RawConnection> {
    const socket = connect({ host, port });
    const connection = new RawConnection(socket);
    const greeting = await connection.nextLine(timeoutMs);
    if (!greeting?.startsWith('OK ferry/')) {
      socket.destroy();
      throw new Error(`no greeting from ${host}:${port}: ${greeting ?? 'connection closed'}`);
    }
    return connection;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The next reply line (without its line feed); undefined if the connection closed or time ran out. */
  nextLine(timeoutMs = 30_000): Promise<string | undefined> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(wake);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(undefined);
      }, timeoutMs);
      const wake = (value: string | undefined) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.waiting.push(wake);
    });
  }

  write(data: string | Buffer): void {
    if (!this.closed) this.socket.write(data);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private received(text: string): void {
    this.buffered += text;
    let end: number;
    while ((end = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, end).replace(/\r$/, '');
      this.buffered = this.buffered.slice(end + 1);
      const wake = this.waiting.shift();
      if (wake) wake(line);
      else this.lines.push(line);
    }
  }
}
