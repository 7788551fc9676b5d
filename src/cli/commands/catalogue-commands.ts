import { Command } from 'commander';
import { once } from 'node:events';
import { ServerAddress } from '../../transport/client/ferry-client';
import { formatHistory, formatListing, formatStat } from '../format';
import { withServerOption } from '../server-option';
import { withClient } from '../with-client';
import { jsonLines } from '../output';

interface ReadOptions {
  readonly server: ServerAddress;
  readonly json?: boolean;
}

/** ls, stat and history: reading the catalogue, now or in the past. */
export function registerCatalogueCommands(program: Command): void {
  withServerOption(program.command('ls').argument('[prefix]', 'only names starting with this', ''))
    .description('list live files, now or as they were at a past moment')
    .option('--at <seq|time>', 'as of an event seq or an ISO 8601 time (e.g. 2026-11-25T09:00:00Z)')
    .option('--json', 'one JSON object per file, one per line')
    .action((prefix: string, options: ReadOptions & { at?: string }) =>
      withClient(options, async (client) => {
        // Page by page, so a listing of millions of names takes the memory of one page.
        for await (const files of client.listPages(prefix, { at: options.at })) {
          const text = options.json ? jsonLines(files) : formatListing(files);
          if (!process.stdout.write(text)) await once(process.stdout, 'drain');
        }
      }),
    );

  withServerOption(program.command('stat').argument('<name>', 'file on the server'))
    .description('the live version of a file: version, size, SHA-256, who uploaded it and when')
    .option('--json', 'as one JSON object')
    .action((name: string, options: ReadOptions) =>
      withClient(
        options,
        async (client) => {
          const file = await client.stat(name);
          process.stdout.write(options.json ? jsonLines([file]) : formatStat(file));
        },
        name,
      ),
    );

  withServerOption(program.command('history').argument('<name>', 'file on the server'))
    .description('every upload, restore and deletion of a name, with who and when')
    .option('--json', 'one JSON object per entry, one per line')
    .action((name: string, options: ReadOptions) =>
      withClient(
        options,
        async (client) => {
          const history = await client.history(name);
          process.stdout.write(options.json ? jsonLines(history) : formatHistory(history));
        },
        name,
      ),
    );
}
