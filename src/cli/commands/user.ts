import { Command, InvalidArgumentError, Option } from 'commander';
import { AccountChange } from '../../domain/account-decisions';
import { parseHomePrefix, parseRole, parseUserName } from '../../domain/account-names';
import { Result } from '../../domain/errors';
import { Role } from '../../domain/events';
import { AccountAdmin, openLocalAdmin, remoteAdmin } from '../account-admin';
import { connectAs, LoginFlags } from '../login-options';
import { parseByteSize, parseWholeNumber } from '../options';
import { readSmallTextFile } from '../local-files';
import { jsonLines } from '../output';
import { reportError } from '../report-error';
import { isTerminal, promptNewSecret, readSecretFromStdin } from '../secret-input';
import { ServerFlags, withServerOption } from '../server-option';

function parsedOrUsage<T>(result: Result<T>): T {
  if (!result.ok) throw new InvalidArgumentError(result.error.message);
  return result.value;
}

const userName = (value: string) => parsedOrUsage(parseUserName(value));
const role = (value: string) => parsedOrUsage(parseRole(value));
const homePrefix = (value: string) => (value === '-' ? null : parsedOrUsage(parseHomePrefix(value)));
const limit = (parse: (value: string) => number) => (value: string) => (value === '-' ? null : parse(value));

/**
 * `ferry user ...`: on the data folder (--data) when no server runs there, or over the wire with --server
 * as an admin (--user, password from FERRY_PASSWORD or a prompt). The same words either way.
 */
export function registerUserCommands(program: Command): void {
  const user = program
    .command('user')
    .description('manage accounts (on --data, or on a running --server as an admin)');

  subcommand(user, 'add', 'add an account', async (admin, [name], flags) => {
    const password = await newPassword(name, flags);
    const prefix = flags.prefix ? { prefix: flags.prefix } : {};
    await admin.change({ action: 'add', user: name, role: flags.role!, ...prefix }, password);
    return `added ${name} (${flags.role}${flags.prefix ? `, home ${flags.prefix}` : ''})`;
  })
    .requiredOption('--role <role>', 'read, write or admin', role)
    .option('--prefix <p/>', 'confine the account to names under this prefix (its home)', homePrefix)
    .option('--password-stdin', 'read the password from stdin (else prompt twice on a terminal)');

  subcommand(
    user,
    'passwd',
    "set an account's password (for sessions from now on)",
    async (admin, [name], flags) => {
      await admin.change({ action: 'passwd', user: name }, await newPassword(name, flags));
      return `password of ${name} changed`;
    },
  ).option('--password-stdin', 'read the password from stdin (else prompt twice on a terminal)');

  // Arguments are parsed by commander, so a typo is a usage error before any login or data folder.
  change(user, 'role', 'change the role', ([name, newRole]) => ({
    action: 'role',
    user: name,
    role: newRole as Role,
  })).argument('<role>', 'read, write or admin', role);
  change(user, 'prefix', 'confine to a home prefix, or "-" for none', ([name, prefix]) => ({
    action: 'prefix',
    user: name,
    prefix: prefix as string | null,
  })).argument('<prefix>', 'e.g. alice/, or - to lift the confinement', homePrefix);
  change(user, 'disable', 'refuse its logins; its open sessions lose their rights', ([name]) => ({
    action: 'disable',
    user: name,
  }));
  change(user, 'enable', 'allow a disabled account again', ([name]) => ({ action: 'enable', user: name }));
  change(user, 'quota', 'limit the bytes and files of the live versions it wrote', ([name], flags) => ({
    action: 'quota',
    user: name,
    ...(flags.bytes === undefined ? {} : { bytes: flags.bytes }),
    ...(flags.files === undefined ? {} : { files: flags.files }),
  }))
    .option('--bytes <n>', 'e.g. 10G, or - for no limit', limit(parseByteSize))
    .option('--files <n>', 'a number, or - for no limit', limit(parseWholeNumber));

  registerKeyCommands(user);

  subcommand(
    user,
    'list',
    'list accounts with role, home, quota and usage',
    async (admin, _args, flags) => {
      const users = await admin.list();
      if (flags.json) return jsonLines(users).trimEnd();
      const rows = users.map((u) =>
        [
          u.name,
          u.role,
          u.disabled ? 'disabled' : 'enabled',
          `home=${u.home ?? '-'}`,
          `files=${u.files}${u.quotaFiles === undefined ? '' : `/${u.quotaFiles}`}`,
          `bytes=${u.bytes}${u.quotaBytes === undefined ? '' : `/${u.quotaBytes}`}`,
        ].join('\t'),
      );
      return rows.join('\n') || '(no accounts)';
    },
    false,
  ).option('--json', 'one JSON object per account');
}

/** `ferry user key add|list|remove`: public keys an account may log in with over SSH (SFTP). */
function registerKeyCommands(user: Command): void {
  const key = user.command('key').description('public keys an account may log in with over SSH');
  subcommand(key, 'add', 'add a public key, read from an OpenSSH .pub file', async (admin, [name, file]) => {
    const fingerprint = await admin.addKey(name, await readPublicKeyFile(file));
    return `added key ${fingerprint} to ${name}`;
  }).argument('<public-key-file>', 'e.g. ~/.ssh/id_ed25519.pub (one key, one line)');
  subcommand(key, 'list', "list an account's public keys", async (admin, [name], flags) => {
    const keys = await admin.listKeys(name);
    if (flags.json) return jsonLines(keys).trimEnd();
    return keys.map((k) => `${k.fingerprint}\t${k.key}`).join('\n') || '(no keys)';
  }).option('--json', 'one JSON object per key');
  subcommand(key, 'remove', 'remove a public key by its fingerprint', async (admin, [name, fingerprint]) => {
    await admin.change({ action: 'key-remove', user: name, fingerprint });
    return `removed key ${fingerprint} from ${name}`;
  }).argument('<fingerprint>', 'SHA256:... as `ferry user key list` or `ssh-keygen -l` prints it');
}

/** A .pub file holds one key line; a file that cannot be read is a usage error, not a refusal. */
async function readPublicKeyFile(file: string): Promise<string> {
  try {
    return (await readSmallTextFile(file, 64 * 1024)).trim();
  } catch (error) {
    throw new InvalidArgumentError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

interface UserFlags extends ServerFlags, LoginFlags {
  readonly data: string;
  readonly passwordStdin?: boolean;
  readonly json?: boolean;
  readonly role?: Role;
  readonly prefix?: string | null;
  readonly bytes?: number | null;
  readonly files?: number | null;
}

type Work = (admin: AccountAdmin, args: string[], flags: UserFlags) => Promise<string>;

function change(
  parent: Command,
  name: string,
  description: string,
  build: (args: string[], flags: UserFlags) => AccountChange,
): Command {
  return subcommand(parent, name, description, async (admin, args, flags) => {
    await admin.change(build(args, flags));
    return `${name} of ${args[0]} changed`;
  });
}

/** One `ferry user <name>`: on the data folder, or over the wire when --server (or FERRY_SERVER) is given. */
function subcommand(
  parent: Command,
  name: string,
  description: string,
  work: Work,
  takesUser = true,
): Command {
  const command = parent.command(name).description(description);
  if (takesUser) command.argument('<name>', 'account name', userName);
  command.addOption(
    new Option('--data <dir>', 'data folder, when no server runs there')
      .env('FERRY_DATA')
      .default('./ferry-data'),
  );
  // The account's own password may come from stdin, so the admin's comes from FERRY_PASSWORD or a prompt.
  withServerOption(command, { passwordStdin: false });
  return command.action(async (...received: unknown[]) => {
    const self = received[received.length - 1] as Command;
    const flags = self.opts<UserFlags>();
    const remote = self.getOptionValueSource('server') !== 'default';
    let admin: AccountAdmin | undefined;
    try {
      // --password-stdin is the account's new password here; the admin's comes from FERRY_PASSWORD or a prompt.
      const login = { ...flags, passwordStdin: false };
      admin = remote ? remoteAdmin(await connectAs(login)) : await openLocalAdmin(flags.data);
      process.stdout.write(`${await work(admin, self.processedArgs as string[], flags)}\n`);
    } catch (error) {
      if (error instanceof InvalidArgumentError) {
        process.stderr.write(`ferry: ${error.message}\n`);
        process.exitCode = 2;
      } else process.exitCode = reportError(error);
    } finally {
      await admin?.close();
    }
  });
}

async function newPassword(name: string, flags: UserFlags): Promise<string> {
  if (flags.passwordStdin) return readSecretFromStdin();
  if (isTerminal()) return promptNewSecret(name);
  throw new InvalidArgumentError('give the password with --password-stdin, or run on a terminal to be asked');
}
