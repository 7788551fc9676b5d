import { FerryError } from '../transport/client/ferry-error';

/** Exit codes a script can branch on. */
export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

/** One line on stderr, in words a person reads first and the stable code a script matches. */
export function reportError(error: unknown, subject?: string): number {
  if (error instanceof FerryError) {
    const what = subject === undefined ? error.message : subject;
    const line =
      error.code === 'NOT_FOUND'
        ? `not found: ${what}`
        : error.code === 'CONNECTION_LOST'
          ? `cannot reach the server: ${error.message}`
          : error.code === 'TLS_FAILED'
            ? `cannot reach the server securely: ${error.message}`
            : `${error.message} (${error.code})`;
    process.stderr.write(`ferry: ${line}\n`);
    return error.code === 'CONNECTION_LOST' || error.code === 'TLS_FAILED' ? EXIT.unreachable : EXIT.refused;
  }
  process.stderr.write(`ferry: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.refused;
}
