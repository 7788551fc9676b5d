import { FerryClient, ServerAddress } from '../transport/client/ferry-client';
import { reportError } from './report-error';

/** Connects, runs one piece of work, logs out; any failure becomes a one-line error and an exit code. */
export async function withClient(
  server: ServerAddress,
  work: (client: FerryClient) => Promise<unknown>,
  subject?: string,
): Promise<void> {
  let client: FerryClient | undefined;
  try {
    client = await FerryClient.connect(server);
    await work(client);
  } catch (error) {
    process.exitCode = reportError(error, subject);
  }
  // A refused request leaves the session usable, so it still ends with a proper LOGOUT.
  await client?.logout().catch(() => client?.destroy());
}
