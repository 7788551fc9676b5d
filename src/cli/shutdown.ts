import { Logger } from '../domain/ports/logger.port';

/** A transport server as the shutdown sees it. */
export interface Stoppable {
  /** Stops accepting, lets requests in hand finish for up to `graceMs`, then cuts the rest. */
  stop(graceMs: number): Promise<void>;
  /** Cuts every connection now. */
  cut(): void;
}

/** A log that cannot be written serves no one: its sessions get this long to be told so, then they are cut. */
const FAILURE_GRACE_MS = 2000;

/**
 * How a running server ends. SIGTERM or SIGINT: stop accepting, let transfers finish within `graceMs`, cut
 * the rest, sign a final checkpoint, close the log, exit 0; a second signal cuts every connection at once,
 * still recording how each request ended. An audit log that can no longer be written: one clear line, the
 * same stop with a short grace, exit 1, so that a supervisor starts Ferry again from its durable log.
 * `servers` stop in order; the last one closes the application.
 */
export function stopOnSignalOrFailure(
  servers: readonly Stoppable[],
  app: { readonly logger: Logger; readonly ledger: { readonly failed: Promise<unknown> } },
  graceMs: number,
): void {
  let stopping = false;
  let failed = false;
  const stop = (graceMs: number) => {
    stopping = true;
    const stopAll = servers.reduce<Promise<void>>(
      (previous, server) => previous.then(() => server.stop(graceMs)),
      Promise.resolve(),
    );
    stopAll.then(
      () => process.exit(failed ? 1 : 0),
      (error: unknown) => {
        app.logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      app.logger.warn('second signal: cutting every connection now', { signal });
      for (const server of servers) server.cut();
      return;
    }
    app.logger.info('shutting down', { signal, graceSeconds: graceMs / 1000 });
    stop(graceMs);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  void app.ledger.failed.then((error) => {
    const reason = error instanceof Error ? error.message : String(error);
    const line = `the audit log cannot be written (${reason}); stopping so that Ferry restarts from its durable log`;
    process.stderr.write(`ferry: ${line}\n`);
    app.logger.error('the audit log cannot be written; stopping', { error: reason });
    // After a failed write the state in memory is not what the disk holds: nothing more is served, and
    // the exit status is a failure even if the stop itself goes well.
    failed = true;
    if (!stopping) stop(FAILURE_GRACE_MS);
  });
}
