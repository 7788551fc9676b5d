import { Command } from 'commander';

/** `ferry audit ...`: reads the data folder directly, read-only, safe while the server runs. */
export function registerAudit(program: Command): void {
  program.command('audit').description('read and verify the audit log in a data folder');
}
