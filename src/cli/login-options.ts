import { Command, Option } from 'commander';
import { ConnectionOptions, FerryClient, ServerAddress } from '../transport/client/ferry-client';
import { FerryError } from '../transport/client/ferry-error';
import { isTerminal, promptSecret, readSecretFromStdin } from './secret-input';

/** Who to log in as: --user (FERRY_USER); the password from FERRY_PASSWORD, --password-stdin or a prompt. */
export interface LoginFlags {
  readonly user?: string;
  readonly passwordStdin?: boolean;
}

export function addLoginOptions(command: Command, options: { passwordStdin: boolean }): Command {
  command.addOption(new Option('-u, --user <name>', 'log in as this account').env('FERRY_USER'));
  if (options.passwordStdin) {
    command.addOption(
      new Option('--password-stdin', 'read the password from stdin (else FERRY_PASSWORD or a prompt)'),
    );
  }
  return command;
}

/** Asked once per command, however often the connection is retried. */
let password: Promise<string> | undefined;

function loginPassword(user: string, flags: LoginFlags): Promise<string> {
  password ??= (async () => {
    const fromEnvironment = process.env.FERRY_PASSWORD;
    if (fromEnvironment !== undefined) return fromEnvironment;
    if (flags.passwordStdin) return readSecretFromStdin();
    if (isTerminal()) return promptSecret(`Password for ${user}: `);
    throw new FerryError(
      'UNAUTHENTICATED',
      `no password for ${user}: set FERRY_PASSWORD, use --password-stdin or a terminal`,
    );
  })();
  return password;
}

/** Connects and, when a user is given, logs in; without one, a server that requires a login is refused early. */
export async function connectAs(
  flags: { readonly server: ServerAddress; readonly connection?: ConnectionOptions } & LoginFlags,
): Promise<FerryClient> {
  const client = await FerryClient.connect(flags.server, flags.connection);
  try {
    if (flags.user !== undefined) await client.login(flags.user, await loginPassword(flags.user, flags));
    else if (client.loginRequired)
      throw new FerryError('UNAUTHENTICATED', 'the server requires a login: give --user (or FERRY_USER)');
    return client;
  } catch (error) {
    client.destroy();
    throw error;
  }
}
