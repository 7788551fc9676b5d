/** Node fires longer timers at once (they overflow); a longer setting means "practically never". */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type TimerName = 'idle' | 'login' | 'line' | 'linger';

/**
 * A session's deadlines by name. None keeps the process alive on its own (the socket does while the
 * session lasts), and once stopped, none starts again.
 */
export class SessionTimers {
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private stopped = false;

  start(name: TimerName, ms: number, onExpiry: () => void): void {
    if (this.stopped) return;
    this.clear(name);
    this.timers.set(name, setTimeout(onExpiry, Math.min(ms, MAX_TIMER_MS)).unref());
  }

  /** Starts the timer's wait again from now. */
  refresh(name: TimerName): void {
    this.timers.get(name)?.refresh();
  }

  clear(name: TimerName): void {
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
  }

  /** The connection is gone: no deadline matters any more. */
  stop(): void {
    this.stopped = true;
    for (const name of [...this.timers.keys()]) this.clear(name);
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}
