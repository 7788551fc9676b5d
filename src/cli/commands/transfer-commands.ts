import { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { ServerAddress } from '../../transport/client/ferry-client';
import { fileSize, localNameFor, readFileStream, sha256OfFile, writeAtomically } from '../local-files';
import { parseVersionNumber, parseWholeNumber } from '../options';
import { progressBar } from '../progress';
import { withServerOption } from '../server-option';
import { withClient } from '../with-client';
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
      return withClient(options, async (client) => {
        const size = await fileSize(local);
        const sha256 = await sha256OfFile(local);
        const bar = progressBar(`put ${target}`);
        const stored = await client
          .upload(target, readFileStream(local), size, {
            sha256,
            requestId,
            ifVersion: options.ifVersion,
            onProgress: (bytes) => bar.tick(bytes, size),
          })
          .finally(() => bar.stop());
        const text = `${stored.name} version ${stored.version} (${stored.size} bytes, sha256 ${stored.sha256})\n`;
        printResult(options.json, stored, text);
      });
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
    .action((name: string, local: string | undefined, options: GetOptions) =>
      withClient(
        options,
        async (client) => {
          const download = { version: options.version };
          if (local === '-') return client.download(name, process.stdout, download);
          const bar = progressBar(`get ${name}`);
          const target = local ?? localNameFor(name);
          const file = await writeAtomically(target, (sink) =>
            client.download(name, sink, { ...download, onProgress: bar.tick }).finally(() => bar.stop()),
          );
          printResult(options.json, { ...file, local: target }, '');
        },
        options.version === undefined ? name : `${name} version ${options.version}`,
      ),
    );
}
