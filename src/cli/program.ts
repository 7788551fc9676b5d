import { Command } from 'commander';
import { registerAudit } from './commands/audit';
import { registerClientCommands } from './commands/client-commands';
import { registerServe } from './commands/serve';
import { registerShell } from './commands/shell';

export function buildProgram(): Command {
  const program = new Command('ferry')
    .description('Ferry: a file-transfer server whose audit log proves who did what to which file')
    .version('0.1.0')
    .showHelpAfterError();
  registerServe(program);
  registerClientCommands(program);
  registerShell(program);
  registerAudit(program);
  return program;
}
