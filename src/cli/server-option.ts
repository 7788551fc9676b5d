import { Command, InvalidArgumentError, Option } from 'commander';
import { ServerAddress } from '../transport/client/ferry-client';

export const DEFAULT_SERVER = '127.0.0.1:5456';

export function parseServerAddress(value: string): ServerAddress {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535)
    throw new InvalidArgumentError(`expected host:port, got "${value}"`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

/** Every client command takes --server, falling back to FERRY_SERVER, then to the default. */
export function withServerOption(command: Command): Command {
  return command.addOption(
    new Option('-s, --server <host:port>', 'the Ferry server')
      .env('FERRY_SERVER')
      .default(parseServerAddress(DEFAULT_SERVER), DEFAULT_SERVER)
      .argParser(parseServerAddress),
  );
}
