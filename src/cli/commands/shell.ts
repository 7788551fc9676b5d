import { Command } from 'commander';
import { createInterface } from 'node:readline';
import { FerryClient } from '../../transport/client/ferry-client';
import { splitWords } from '../../transport/codec/words';
import { formatListing } from '../format';
import { localNameFor, writeAtomically } from '../local-files';
import { putFile } from '../put-file';
import { EXIT, reportError } from '../report-error';
import { connectAs, LoginFlags } from '../login-options';
import { ServerFlags, withServerOption } from '../server-option';

const SHELL_HELP = `Commands (quote names with spaces: "my file.txt"):
  HELP                      this text
  LIST [prefix]             live files on the server
  UPLOAD <path> [name]      send a local file
  DOWNLOAD <name> [path]    fetch a file (written only once its SHA-256 checks out)
  DELETE <name>             delete a file; its history stays
  LOGOUT                    end the session
`;

type ShellAction = (client: FerryClient, args: string[]) => Promise<void>;

const ACTIONS: Record<string, ShellAction> = {
  HELP: async () => {
    process.stdout.write(SHELL_HELP);
  },
  LIST: async (client, [prefix]) => {
    process.stdout.write(formatListing(await client.list(prefix ?? '')) || '(no files)\n');
  },
  UPLOAD: async (client, [path, name]) => {
    if (!path) throw new Error('usage: UPLOAD <path> [name]');
    const stored = await putFile(client, { local: path, target: name ?? localNameFor(path) });
    process.stdout.write(`uploaded ${stored.name} version ${stored.version} (${stored.size} bytes)\n`);
  },
  DOWNLOAD: async (client, [name, path]) => {
    if (!name) throw new Error('usage: DOWNLOAD <name> [path]');
    const target = path ?? localNameFor(name);
    await writeAtomically(target, (sink) => client.download(name, sink));
    process.stdout.write(`downloaded ${name} to ${target}\n`);
  },
  DELETE: async (client, [name]) => {
    if (!name) throw new Error('usage: DELETE <name>');
    const version = await client.delete(name);
    process.stdout.write(`deleted ${name} (was version ${version})\n`);
  },
};

/** The six commands as a prompt, one connection for the whole session. */
export function registerShell(program: Command): void {
  // The shell reads its commands from stdin, so the password comes from FERRY_PASSWORD or a prompt.
  withServerOption(program.command('shell'), { passwordStdin: false })
    .description('interactive session: HELP, LIST, UPLOAD, DOWNLOAD, DELETE, LOGOUT')
    .action(async (options: ServerFlags & LoginFlags) => {
      let client: FerryClient;
      try {
        client = await connectAs(options);
      } catch (error) {
        process.exitCode = reportError(error);
        return;
      }
      const interactive = process.stdin.isTTY === true;
      const input = createInterface({
        input: process.stdin,
        output: interactive ? process.stdout : undefined,
        prompt: 'ferry> ',
      });
      if (interactive)
        process.stdout.write(`Connected to ${options.server.host}:${options.server.port}. Type HELP.\n`);
      let failures = 0;
      input.prompt();
      for await (const line of input) {
        const [command, ...args] = splitWords(line).map((word) =>
          word.kind === 'text' ? word.text : `${word.key}=${word.value}`,
        );
        if (command !== undefined) {
          const verb = command.toUpperCase();
          if (verb === 'LOGOUT' || verb === 'QUIT' || verb === 'EXIT') break;
          const action = ACTIONS[verb];
          try {
            if (!action) throw new Error(`unknown command ${command}; type HELP`);
            await action(client, args);
          } catch (error) {
            failures++;
            const code = reportError(error, args[0]);
            if (code === EXIT.unreachable) break;
          }
        }
        input.prompt();
      }
      input.close();
      await client.logout().catch(() => client.destroy());
      process.exitCode = failures > 0 ? EXIT.refused : EXIT.ok;
    });
}
