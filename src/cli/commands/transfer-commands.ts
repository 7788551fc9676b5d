import { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { FerryClient } from '../../transport/client/ferry-client';
import { getFile } from '../get-file';
import { localNameFor } from '../local-files';
import { LoginFlags } from '../login-options';
import { parseVersionNumber, parseWholeNumber } from '../options';
import { printResult } from '../output';
import { progressBar } from '../progress';
import { putFile } from '../put-file';
import { ServerFlags, withServerOption } from '../server-option';
import { getTree, putTree } from '../tree-transfers';
import { TRANSFER_RETRY_DELAYS_MS, withClient } from '../with-client';

type TransferOptions = ServerFlags &
  LoginFlags & {
    readonly json?: boolean;
    readonly quiet?: boolean;
  };

type PutOptions = TransferOptions & { readonly ifVersion?: number };

type GetOptions = TransferOptions & {
  readonly version?: number;
  readonly prefix?: string;
  readonly to?: string;
};

/** put and get: file bodies, or trees of them, between the local disk and the server. */
export function registerTransferCommands(program: Command): void {
  withServerOption(
    program
      .command('put')
      .argument('<local>', 'file or folder to upload')
      .argument('[name]', 'name on the server; for a folder, the prefix its files go under'),
  )
    .description(
      'upload a file (a new version if the name exists), or every file of a folder under a prefix ' +
        '(the folder name by default); an interrupted upload continues where it stopped',
    )
    .option(
      '--if-version <n>',
      'only if the live version is n (0: only if the name does not exist)',
      parseWholeNumber,
    )
    .option('--json', 'print the stored version as one JSON object (a folder: one line per file)')
    .option('-q, --quiet', 'no progress bar')
    .action(async (local: string, name: string | undefined, options: PutOptions, command: Command) => {
      if ((await stat(local).catch(() => undefined))?.isDirectory()) {
        if (options.ifVersion !== undefined) {
          command.error('ferry: --if-version is about one file: not with a folder', { exitCode: 2 });
        }
        const prefix = asPrefix(name ?? basename(resolve(local)));
        return putTree(options, local, prefix);
      }
      return putOne(local, name ?? localNameFor(local), options);
    });

  withServerOption(
    program
      .command('get')
      .argument('[name]', 'file on the server')
      .argument('[local]', 'where to write it; - for stdout'),
  )
    .description(
      'download a file; it appears under its local name only once its SHA-256 checks out. With --prefix, ' +
        'every live file under the prefix into a folder. An interrupted download continues where it stopped',
    )
    .option('--version <n>', 'an earlier version instead of the live one', parseVersionNumber)
    .option('--prefix <prefix>', 'every live file whose name starts with this prefix')
    .option('--to <dir>', 'with --prefix: the folder to mirror into (default: here)')
    .option('--json', 'print what was downloaded as one JSON object (a prefix: one line per file)')
    .option('-q, --quiet', 'no progress bar')
    .action((name: string | undefined, local: string | undefined, options: GetOptions, command: Command) => {
      if (options.prefix !== undefined) {
        if (name !== undefined || options.version !== undefined) {
          command.error('ferry: --prefix gets every live file under it: no name, no --version', {
            exitCode: 2,
          });
        }
        return getTree(options, asPrefix(options.prefix), options.to ?? '.');
      }
      if (name === undefined) command.error('ferry: which file? give a name, or --prefix', { exitCode: 2 });
      return getOne(name, local, options);
    });
}

/** A folder's prefix ends with `/`, so `docs` does not also take `docs2/`; the empty prefix is everything. */
function asPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

function putOne(local: string, target: string, options: PutOptions): Promise<void> {
  const requestId = randomUUID();
  const progress = progressBar(`put ${target}`, options.quiet);
  const tracker = progress.file();
  const put = async (client: FerryClient) => {
    const stored = await putFile(client, {
      local,
      target,
      requestId,
      ifVersion: options.ifVersion,
      progress: tracker,
    });
    progress.stop();
    const text = `${stored.name} version ${stored.version} (${stored.size} bytes, sha256 ${stored.sha256})\n`;
    printResult(options.json, stored, text);
  };
  return withClient(options, put, undefined, TRANSFER_RETRY_DELAYS_MS).finally(() => progress.stop());
}

function getOne(name: string, local: string | undefined, options: GetOptions): Promise<void> {
  const subject = options.version === undefined ? name : `${name} version ${options.version}`;
  // Standard output cannot be continued: a dropped connection there is retried from the start only if
  // nothing was written yet, which the plain retry of a request does.
  if (local === '-') {
    return withClient(options, (client) => client.download(name, process.stdout, options), subject);
  }
  const target = local ?? localNameFor(name);
  const progress = progressBar(`get ${name}`, options.quiet);
  const tracker = progress.file();
  const get = async (client: FerryClient) => {
    const file = await getFile(client, { name, target, version: options.version, progress: tracker });
    progress.stop();
    printResult(options.json, { ...file, local: target }, '');
  };
  return withClient(options, get, subject, TRANSFER_RETRY_DELAYS_MS).finally(() => progress.stop());
}
