import { Command } from 'commander';
import { ServerAddress } from '../../transport/client/ferry-client';
import { fileSize, localNameFor, readFileStream, sha256OfFile, writeAtomically } from '../local-files';
import { progressBar } from '../progress';
import { withServerOption } from '../server-option';
import { withClient } from '../with-client';
import { formatListing } from '../format';

interface ServerOptions {
  readonly server: ServerAddress;
}

export function registerClientCommands(program: Command): void {
  withServerOption(program.command('ls').argument('[prefix]', 'only names starting with this', ''))
    .description('list live files')
    .option('--json', 'one JSON object per file, one per line')
    .action((prefix: string, options: ServerOptions & { json?: boolean }) =>
      withClient(options.server, async (client) => {
        const files = await client.list(prefix);
        process.stdout.write(
          options.json ? files.map((f) => `${JSON.stringify(f)}\n`).join('') : formatListing(files),
        );
      }),
    );

  withServerOption(
    program.command('put').argument('<local>', 'file to upload').argument('[name]', 'name on the server'),
  )
    .description('upload a file (a new version if the name exists)')
    .action((local: string, name: string | undefined, options: ServerOptions) =>
      withClient(options.server, async (client) => {
        const target = name ?? localNameFor(local);
        const size = await fileSize(local);
        const sha256 = await sha256OfFile(local);
        const bar = progressBar(`put ${target}`);
        const stored = await client
          .upload(target, readFileStream(local), size, {
            sha256,
            onProgress: (bytes) => bar.tick(bytes, size),
          })
          .finally(() => bar.stop());
        process.stdout.write(
          `${stored.name} version ${stored.version} (${stored.size} bytes, sha256 ${stored.sha256})\n`,
        );
      }),
    );

  withServerOption(
    program
      .command('get')
      .argument('<name>', 'file on the server')
      .argument('[local]', 'where to write it; - for stdout'),
  )
    .description('download a file; it appears under its local name only once its SHA-256 checks out')
    .action((name: string, local: string | undefined, options: ServerOptions) =>
      withClient(
        options.server,
        async (client) => {
          if (local === '-') {
            await client.download(name, process.stdout);
            return;
          }
          const bar = progressBar(`get ${name}`);
          await writeAtomically(local ?? localNameFor(name), (sink) =>
            client.download(name, sink, { onProgress: bar.tick }).finally(() => bar.stop()),
          );
        },
        name,
      ),
    );

  withServerOption(program.command('rm').argument('<name>', 'file on the server'))
    .description('delete a file (its versions stay in the history)')
    .action((name: string, options: ServerOptions) =>
      withClient(
        options.server,
        async (client) => {
          await client.delete(name);
        },
        name,
      ),
    );
}
