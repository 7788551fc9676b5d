import { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { ServerAddress } from '../../transport/client/ferry-client';
import { parseVersionNumber, parseWholeNumber } from '../options';
import { withServerOption } from '../server-option';
import { withClient } from '../with-client';
import { printResult } from '../output';

interface ChangeOptions {
  readonly server: ServerAddress;
  readonly ifVersion?: number;
  readonly json?: boolean;
}

const IF_VERSION = [
  '--if-version <n>',
  'only if the live version is n (0: only if the name does not exist)',
] as const;

/** rm, restore and mv. Each carries one request id across its retries, so a retry never acts twice. */
export function registerChangeCommands(program: Command): void {
  withServerOption(program.command('rm').argument('<name>', 'file on the server'))
    .description('delete a file (its versions stay in the history and can be restored)')
    .option(...IF_VERSION, parseWholeNumber)
    .option('--json', 'print the result as one JSON object')
    .action((name: string, options: ChangeOptions) => {
      const requestId = randomUUID();
      return withClient(
        options,
        async (client) => {
          const version = await client.delete(name, { ifVersion: options.ifVersion, requestId });
          printResult(
            options.json,
            { name, deletedVersion: version },
            `deleted ${name} (was version ${version})\n`,
          );
        },
        name,
      );
    });

  withServerOption(
    program
      .command('restore')
      .argument('<name>', 'file on the server')
      .argument('<version>', 'the version whose bytes become the new live version', parseVersionNumber),
  )
    .description('make an earlier version live again, as a new version; also undeletes')
    .option(...IF_VERSION, parseWholeNumber)
    .option('--json', 'print the new version as one JSON object')
    .action((name: string, version: number, options: ChangeOptions) => {
      const requestId = randomUUID();
      return withClient(
        options,
        async (client) => {
          const restored = await client.restore(name, version, { ifVersion: options.ifVersion, requestId });
          const text = `${name} version ${restored.version} (restored from version ${restored.fromVersion})\n`;
          printResult(options.json, restored, text);
        },
        `${name} version ${version}`,
      );
    });

  withServerOption(
    program.command('mv').argument('<from>', 'live file on the server').argument('<to>', 'its new name'),
  )
    .description('rename a file: the new name gets a new version with its bytes, the old one its history')
    .option(
      '--if-version <n>',
      'replace <to> only if its live version is n (without it, a live <to> is refused with CONFLICT)',
      parseWholeNumber,
    )
    .option('--json', 'print the new version as one JSON object')
    .action((from: string, to: string, options: ChangeOptions) => {
      const requestId = randomUUID();
      return withClient(
        options,
        async (client) => {
          const renamed = await client.rename(from, to, { ifVersion: options.ifVersion, requestId });
          const text = `${from} -> ${to} version ${renamed.version} (was ${from} version ${renamed.fromVersion})\n`;
          printResult(options.json, renamed, text);
        },
        `${from} -> ${to}`,
      );
    });
}
