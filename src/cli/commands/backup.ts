import { Command, Option } from 'commander';
import { DEFAULT_CONFIG } from '../../app/config';
import { loadApplication } from '../lazy-app';
import { reportError } from '../report-error';
import { verifyDataFolder } from './audit-proofs';

interface BackupOptions {
  readonly data: string;
  readonly to: string;
}

interface RestoreOptions {
  readonly data: string;
  readonly json?: boolean;
}

/**
 * `ferry backup` copies a data folder while its server runs; `ferry restore-backup` makes a new data
 * folder of a backup and verifies it as `ferry audit verify` does.
 */
export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description(
      'copy a data folder, consistently, while its server runs: the audit log, accounts, keys and file bytes',
    )
    .addOption(new Option('--data <dir>', 'data folder').env('FERRY_DATA').default(DEFAULT_CONFIG.dataDir))
    .requiredOption(
      '--to <dir>',
      'new or empty folder for the backup (it holds the private keys: keep it private)',
    )
    .action(async (options: BackupOptions) => {
      try {
        const report = await (await loadApplication()).backupDataFolder(options.data, options.to);
        process.stdout.write(`backed up ${summary(report)} to ${options.to}\n`);
      } catch (error) {
        process.exitCode = reportError(error);
      }
    });

  program
    .command('restore-backup')
    .description('make a new data folder of a backup, then verify it as "ferry audit verify" does')
    .argument('<backup>', 'folder made by "ferry backup"')
    .requiredOption('--data <dir>', 'new or empty data folder to restore into')
    .option('--json', 'the verdict as one JSON object on stdout')
    .action(async (backup: string, options: RestoreOptions) => {
      try {
        const report = await (await loadApplication()).restoreDataFolder(backup, options.data);
        process.stderr.write(`restored ${summary(report)} into ${options.data}; verifying\n`);
      } catch (error) {
        process.exitCode = reportError(error);
        return;
      }
      await verifyDataFolder(options.data, { json: options.json });
    });
}

function summary(report: { events: number; blobs: number; bytes: number }): string {
  return `${report.events} events and ${report.blobs} blobs (${report.bytes} bytes)`;
}
