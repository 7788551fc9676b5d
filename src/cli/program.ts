import { Command } from 'commander';
import { registerAdmin } from './commands/admin';
import { registerBackup } from './commands/backup';
import { registerAudit } from './commands/audit';
import { registerCatalogueCommands } from './commands/catalogue-commands';
import { registerChangeCommands } from './commands/change-commands';
import { registerTransferCommands } from './commands/transfer-commands';
import { registerGc } from './commands/gc';
import { registerServe } from './commands/serve';
import { registerShell } from './commands/shell';
import { registerUserCommands } from './commands/user';
import { registerWitness } from './commands/witness';

export function buildProgram(): Command {
  const program = new Command('ferry')
    .description('Ferry: a file-transfer server whose audit log proves who did what to which file')
    .version('0.1.0')
    .showHelpAfterError()
    // Program options only before the subcommand, so `get --version N` means a file version.
    .enablePositionalOptions()
    // Usage errors exit 2, apart from refusals (1) and an unreachable server (3); help and version exit 0.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  registerServe(program);
  registerCatalogueCommands(program);
  registerTransferCommands(program);
  registerChangeCommands(program);
  registerShell(program);
  registerGc(program);
  registerAudit(program);
  registerUserCommands(program);
  registerAdmin(program);
  registerBackup(program);
  registerWitness(program);
  return program;
}
