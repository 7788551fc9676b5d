import { SFTPWrapper } from 'ssh2';
import { MAX_READ } from './sftp-limits';
import './ssh2-patch';

/**
 * How long a READ waits for the client to take what it was sent before the session stops pacing to half
 * its window: a client that only opens its window once it is used up would otherwise wait for ever.
 */
const PACING_PATIENCE_MS = 200;

/**
 * Unacknowledged bytes never exceed this, paced or not: a client may give a window of up to 4 GiB and
 * then not read, and the server would read the file into memory for it.
 */
const MAX_UNACKNOWLEDGED = 16 * 1024 * 1024;

/**
 * Paces a session's READ replies to what the client has taken. The client's window (2 MiB from
 * OpenSSH) says how much it lets the server send ahead; sending all of it at once is correct, but
 * OpenSSH's client then keeps the surplus in a buffer it grows by copying, and spends twice the CPU on a
 * download (measured: a 256 MiB get took 2.1 s instead of 1.3 s on 2 cores). So a reply is read and sent
 * once the bytes the client has not acknowledged are at most half its window and one reply, which still
 * leaves every client that opens its window again at half (OpenSSH's and ssh2's do) room to do so.
 *
 * A reply that had to wait in ssh2 for the window also holds the next back: at most one reply beyond
 * the window is ever held, not the 16 MiB that 64 READs of 255 KiB ask for.
 */
export class ReplyPacer {
  /** The widest window the client has given: its size when nothing sent is unacknowledged. */
  private widest = 0;
  /** Set while a reply waits in ssh2 for the window: called once it has gone. */
  private waiting: (() => void) | undefined;
  private paced = true;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(private readonly sftp: SFTPWrapper) {
    sftp.on('drain', () => {
      const went = this.waiting;
      this.waiting = undefined;
      went?.();
      this.wake?.();
    });
    sftp.on('window', () => this.wake?.());
  }

  /** Resolves once another reply may be read and sent (at once when closed). */
  async ready(): Promise<void> {
    while (!this.closed && !this.clear()) {
      const woken = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), PACING_PATIENCE_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      this.wake = undefined;
      if (!woken && this.waiting === undefined) this.paced = false;
    }
  }

  /** A DATA reply of views of the file's bytes; `went` is called once ssh2 has sent it all. */
  send(id: number, pieces: readonly Buffer[], went: () => void): void {
    if (this.sftp.data(id, pieces)) went();
    else this.waiting = went;
  }

  /** Nothing more will be sent: a READ waiting goes on (and sends nothing). */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  private clear(): boolean {
    // A channel no longer open sends nothing, and no window will open: nothing to wait for.
    if (this.sftp.outgoing.state !== 'open') return true;
    if (this.waiting !== undefined) return false;
    const window = this.sftp.outgoing.window;
    this.widest = Math.max(this.widest, window);
    const unacknowledged = this.widest - window;
    if (unacknowledged > MAX_UNACKNOWLEDGED) return false;
    return !this.paced || unacknowledged <= this.widest / 2 + MAX_READ;
  }
}
