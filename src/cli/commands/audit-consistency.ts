import { Command, Option } from 'commander';
import { proveConsistency } from '../../app/audit/prove-consistency';
import { DEFAULT_CONFIG } from '../../app/config';
import {
  checkConsistencyClaim,
  parseConsistencyProofDocument,
} from '../../domain/audit/consistency-proof-document';
import { readJsonFile } from '../audit-verdict';
import { readCheckpointFile } from '../checkpoint-file';
import { loadApplication } from '../lazy-app';
import { parseWholeNumber } from '../options';
import { fail, withToolkit } from './audit-proofs';

/**
 * `ferry audit prove-consistency` and `check-consistency`: that today's log extends a checkpoint someone
 * kept, shown by the data folder and checked by anyone with the public key and three small files.
 */
export function registerAuditConsistency(audit: Command): void {
  audit
    .command('prove-consistency')
    .description(
      'print a consistency proof from a kept checkpoint to the newest (or --to) checkpoint, as JSON',
    )
    .requiredOption('--from <checkpoint>', 'the kept checkpoint (a note, or its JSON form)')
    .option('--to <size>', 'to the checkpoint of this tree size (default: the newest)', parseWholeNumber)
    .addOption(new Option('--data <dir>', 'data folder').env('FERRY_DATA').default(DEFAULT_CONFIG.dataDir))
    .action((options: { from: string; to?: number; data: string }) =>
      withToolkit(options.data, undefined, false, async (toolkit) => {
        const older = await readCheckpointFile(options.from, toolkit.hash, toolkit.trustedKey);
        if (!older.ok) return older;
        const proven = proveConsistency(toolkit, older.value, options.to);
        if (proven.ok) process.stdout.write(`${JSON.stringify(proven.value.document, null, 2)}\n`);
        return proven;
      }),
    );

  audit
    .command('check-consistency')
    .description('check with nothing but the public key that <new> extends <old>, by the proof')
    .argument('<old>', 'the older checkpoint')
    .argument('<new>', 'the newer checkpoint')
    .argument('<proof>', 'the proof, from `ferry audit prove-consistency`')
    .requiredOption('--key <public-key.pem>', 'the public key to trust')
    .action(async (oldFile: string, newFile: string, proofFile: string, options: { key: string }) => {
      const checker = (await loadApplication()).openProofChecker(options.key);
      if (!checker.ok) return fail(checker.failure);
      const { hash, trustedKey } = checker.value;
      const older = await readCheckpointFile(oldFile, hash, trustedKey);
      if (!older.ok) return fail(older.failure);
      const newer = await readCheckpointFile(newFile, hash, trustedKey);
      if (!newer.ok) return fail(newer.failure);
      const json = await readJsonFile(proofFile);
      const proof = json.ok ? parseConsistencyProofDocument(json.value, proofFile) : json;
      if (!proof.ok) return fail(proof.failure);
      const checked = checkConsistencyClaim(hash, trustedKey, older.value, newer.value, proof.value);
      if (!checked.ok) return fail(checked.failure);
      process.stdout.write(
        `consistent: the log of ${newer.value.size} events extends the log of ${older.value.size} events\n`,
      );
    });
}
