import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { addLoginOptions } from './login-options';
import { environmentFlag } from './options';
import { ConnectionOptions, ServerAddress } from '../transport/client/ferry-client';

export const DEFAULT_SERVER = '127.0.0.1:5456';

export function parseServerAddress(value: string): ServerAddress {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535)
    throw new InvalidArgumentError(`expected host:port, got "${value}"`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

/** What withServerOption gives a command's action: the address, and how to connect to it. */
export interface ServerFlags {
  readonly server: ServerAddress;
  /** From --tls (FERRY_TLS) and --ca (FERRY_CA), the CA file read; set before the action runs. */
  readonly connection?: ConnectionOptions;
}

/**
 * Every client command takes --server, falling back to FERRY_SERVER, then to the default; and --tls and
 * --ca, which become the `connection` option (a bad FERRY_TLS or an unreadable CA file: usage error).
 */
export function withServerOption(command: Command, login = { passwordStdin: true }): Command {
  return addLoginOptions(command, login)
    .addOption(
      new Option('-s, --server <host:port>', 'the Ferry server')
        .env('FERRY_SERVER')
        .default(parseServerAddress(DEFAULT_SERVER), DEFAULT_SERVER)
        .argParser(parseServerAddress),
    )
    .addOption(new Option('--tls', 'connect with TLS (env: FERRY_TLS=1)'))
    .addOption(
      new Option('--ca <pem-file>', 'CA certificate to trust for the server (with --tls)').env('FERRY_CA'),
    )
    .hook('preAction', (self) => {
      self.setOptionValue('connection', connectionOptions(self));
    });
}

/** Reads --tls/FERRY_TLS and --ca/FERRY_CA; a CA from the environment is ignored without TLS. */
function connectionOptions(command: Command): ConnectionOptions {
  const flags = command.opts<{ tls?: boolean; ca?: string }>();
  const tls = flags.tls === true || tlsFromEnvironment(command);
  if (!tls) {
    if (flags.ca !== undefined && command.getOptionValueSource('ca') === 'cli')
      command.error('error: --ca is for TLS connections: add --tls', { exitCode: 2 });
    return {};
  }
  if (flags.ca === undefined) return { tls };
  try {
    return { tls, ca: readFileSync(flags.ca) };
  } catch (error) {
    return command.error(`error: cannot read the CA file ${flags.ca}: ${(error as Error).message}`, {
      exitCode: 2,
    });
  }
}

function tlsFromEnvironment(command: Command): boolean {
  try {
    return environmentFlag('FERRY_TLS');
  } catch (error) {
    return command.error(`error: ${(error as Error).message}`, { exitCode: 2 });
  }
}
