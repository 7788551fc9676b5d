import { Command, Option } from 'commander';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { DEFAULT_CONFIG } from '../../app/config';
import { loadApplication } from '../lazy-app';
import { reportError } from '../report-error';

/** `ferry audit rotate-key`: a new checkpoint key, introduced in the log by the key it replaces. */
export function registerAuditKeys(audit: Command): void {
  audit
    .command('rotate-key')
    .description(
      'replace the checkpoint key (server stopped): the log records the change, signed by the old key',
    )
    .addOption(new Option('--data <dir>', 'data folder').env('FERRY_DATA').default(DEFAULT_CONFIG.dataDir))
    .action(async (options: { data: string }) => {
      const origin = {
        actor: `local:${userInfo().username}`,
        session: `rotate-key-${randomUUID()}`,
        remote: 'local',
      };
      try {
        const { rotateSigningKey } = await loadApplication();
        const rotated = await rotateSigningKey(
          { ...DEFAULT_CONFIG, dataDir: options.data, logLevel: 'warn' },
          origin,
        );
        const { previousKeyId, keyId } = rotated.payload;
        process.stdout.write(
          `rotated the checkpoint key in event ${rotated.seq}: ${previousKeyId} signed the change to ${keyId}\n`,
        );
      } catch (error) {
        process.exitCode = reportError(error);
      }
    });
}
