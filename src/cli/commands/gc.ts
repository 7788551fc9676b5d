import { localActor } from '../../domain/authorization';
import { Command, Option } from 'commander';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { loadApplication } from '../lazy-app';
import { DEFAULT_CONFIG } from '../../app/config';
import { parseWholeNumber } from '../options';

interface GcOptions {
  readonly data: string;
  readonly retentionDays: number;
  readonly dryRun?: boolean;
}

/** Garbage collection runs against the data folder with the server stopped; the run is an audited event. */
export function registerGc(program: Command): void {
  program
    .command('gc')
    .description('remove file bytes that no retained version needs (run with the server stopped)')
    .addOption(new Option('--data <dir>', 'data folder').env('FERRY_DATA').default(DEFAULT_CONFIG.dataDir))
    .option(
      '--retention-days <n>',
      'keep replaced and deleted versions restorable this long',
      parseWholeNumber,
      30,
    )
    .option('--dry-run', 'only print what would be removed')
    .action(async (options: GcOptions) => {
      const app = await (
        await loadApplication()
      ).startApplication({ ...DEFAULT_CONFIG, dataDir: options.data, logLevel: 'warn' });
      try {
        const origin = {
          actor: localActor(userInfo().username),
          session: `gc-${randomUUID()}`,
          remote: 'local',
        };
        const plan = await app.handlers.collectGarbage.execute(origin, {
          retentionDays: options.retentionDays,
          dryRun: options.dryRun === true,
        });
        const verb = options.dryRun ? 'would remove' : 'removed';
        for (const sha256 of plan.blobs) process.stdout.write(`${verb} ${sha256}\n`);
        for (const { name, version } of plan.versions)
          process.stdout.write(`  bytes of ${name} version ${version}\n`);
        process.stdout.write(
          `${verb} ${plan.blobs.length} blob(s); retention ${options.retentionDays} day(s)\n`,
        );
      } finally {
        await app.close();
      }
    });
}
