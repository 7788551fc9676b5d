import { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { FerryClient, ServerAddress } from '../../transport/client/ferry-client';
import { getFile } from '../get-file';
import { localNameFor } from '../local-files';
import { putFile } from '../put-file';
import { parseVersionNumber, parseWholeNumber } from '../options';
import { progressBar } from '../progress';
import { withServerOption } from '../server-option';
import { TRANSFER_RETRY_DELAYS_MS, withClient } from '../with-client';
import { printResult } from '../output';

interface PutOptions {
  readonly server: ServerAddress;
  readonly ifVersion?: number;
  readonly json?: boolean;
}

interface GetOptions {
  readonly server: ServerAddress;
  readonly version?: number;
  readonly json?: boolean;
}

/** put and get: file bodies between the local disk and the server. */
export function registerTransferCommands(program: Command): void {
  withServerOption(
    program.command('put').argument('<local>', 'file to upload').argument('[name]', 'name on the server'),
  )
    .description('upload a file (a new version if the name exists)')
    .option(
      '--if-version <n>',
      'only if the live version is n (0: only if the name does not exist)',
      parseWholeNumber,
    )
    .option('--json', 'print the stored version as one JSON object')
    .action((local: string, name: string | undefined, options: PutOptions) => {
      const target = name ?? localNameFor(local);
      const requestId = randomUUID();
      const bar = progressBar(`put ${target}`);
      const put = async (client: FerryClient) => {
        const stored = await putFile(client, {
          local,
          target,
          requestId,
          ifVersion: options.ifVersion,
          onProgress: bar.tick,
        });
        bar.stop();
        const text = `${stored.name} version ${stored.version} (${stored.size} bytes, sha256 ${stored.sha256})\n`;
        printResult(options.json, stored, text);
      };
      return withClient(options, put, undefined, TRANSFER_RETRY_DELAYS_MS).finally(() => bar.stop());
    });

  withServerOption(
    program
      .command('get')
      .argument('<name>', 'file on the server')
      .argument('[local]', 'where to write it; - for stdout'),
  )
    .description('download a file; it appears under its local name only once its SHA-256 checks out')
    .option('--version <n>', 'an earlier version instead of the live one', parseVersionNumber)
    .option('--json', 'print what was downloaded as one JSON object (not with -)')
    .action((name: string, local: string | undefined, options: GetOptions) => {
      const subject = options.version === undefined ? name : `${name} version ${options.version}`;
      // Standard output cannot be continued: a dropped connection there is retried from the start only
      // if nothing was written yet, which the plain retry of a request does.
      if (local === '-') {
        return withClient(options, (client) => client.download(name, process.stdout, options), subject);
      }
      const target = local ?? localNameFor(name);
      const bar = progressBar(`get ${name}`);
      const get = async (client: FerryClient) => {
        const file = await getFile(client, { name, target, version: options.version, onProgress: bar.tick });
        bar.stop();
        printResult(options.json, { ...file, local: target }, '');
      };
      return withClient(options, get, subject, TRANSFER_RETRY_DELAYS_MS).finally(() => bar.stop());
    });
}
