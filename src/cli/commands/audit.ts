import { Command } from 'commander';
import { registerAuditConsistency } from './audit-consistency';
import { registerAuditKeys } from './audit-keys';
import { registerAuditList } from './audit-list';
import { registerAuditProofs } from './audit-proofs';

/** `ferry audit ...`: reads the data folder directly, read-only, safe while the server runs. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('read and verify the audit log in a data folder');
  registerAuditList(audit);
  registerAuditProofs(audit);
  registerAuditConsistency(audit);
  registerAuditKeys(audit);
}
