import { FerryClient } from '../transport/client/ferry-client';
import { isConnectionLost } from '../transport/client/ferry-error';
import { reportError } from './report-error';
import { connectAs, LoginFlags } from './login-options';
import { ServerFlags } from './server-option';

/** Pauses before each retry after a dropped connection; writes carry request ids, so retrying is safe. */
const RETRY_DELAYS_MS = [250, 1000];

/**
 * Transfers continue where they stopped, so they are worth retrying for longer: about a minute in all,
 * each pause twice the last.
 */
export const TRANSFER_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000, 16000, 30000];

/**
 * Connects, runs one piece of work, logs out; a dropped connection is retried on a new one, and any
 * failure becomes a one-line error and an exit code.
 */
export async function withClient(
  target: ServerFlags & LoginFlags,
  work: (client: FerryClient) => Promise<unknown>,
  subject?: string,
  retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let client: FerryClient | undefined;
    try {
      client = await connectAs(target);
      await work(client);
      await client.logout().catch(() => client?.destroy());
      return;
    } catch (error) {
      if (isConnectionLost(error) && attempt < retryDelaysMs.length) {
        client?.destroy();
        await new Promise((resolve) => setTimeout(resolve, retryDelaysMs[attempt]));
        continue;
      }
      process.exitCode = reportError(error, subject);
      // A refused request leaves the session usable, so it still ends with a proper LOGOUT.
      await client?.logout().catch(() => client?.destroy());
      return;
    }
  }
}
