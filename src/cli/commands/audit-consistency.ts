import { Command } from 'commander';
import { proveConsistency } from '../../app/audit/prove-consistency';
import {
  checkConsistencyClaim,
  parseConsistencyProofDocument,
} from '../../domain/audit/consistency-proof-document';
import { readJsonFile, readTextFile } from '../audit-verdict';
import { AuditResult, passed } from '../../domain/audit/audit-failure';
import { Cosignature } from '../../domain/audit/cosignature';
import { HashFn } from '../../domain/audit/hash';
import { checkNoteCosignatures } from '../../domain/audit/witnessed-checkpoint';
import { parseCheckpointFileText, readCheckpointFile } from '../checkpoint-file';
import { loadApplication } from '../lazy-app';
import { collect, parsePositiveInteger, parseWholeNumber } from '../options';
import {
  DataOptions,
  dataDirOf,
  dataOption,
  fail,
  withToolkit,
  WitnessOptions,
  witnessThreshold,
} from './audit-proofs';

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
    .addOption(dataOption())
    .action((options: DataOptions & { from: string; to?: number }, command: Command) =>
      withToolkit(dataDirOf(options, command), undefined, false, async (toolkit) => {
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
    .option(
      '--witness <verifier-key>',
      'a witness to trust (`ferry witness key`); repeatable: <new> must carry their cosignatures',
      collect,
    )
    .option(
      '--min-witnesses <n>',
      'how many of the --witness keys must have cosigned <new> (default: 1)',
      parsePositiveInteger,
    )
    .action(async (oldFile: string, newFile: string, proofFile: string, options: CheckConsistencyOptions) => {
      const checker = (await loadApplication()).openProofChecker(options.key);
      if (!checker.ok) return fail(checker.failure);
      const { hash, trustedKey } = checker.value;
      const older = await readCheckpointFile(oldFile, hash, trustedKey);
      if (!older.ok) return fail(older.failure);
      // Read once: the consistency and the cosignatures are checked on the same bytes.
      const newText = await readTextFile(newFile);
      if (!newText.ok) return fail(newText.failure);
      const newer = parseCheckpointFileText(newText.value, newFile, hash, trustedKey);
      if (!newer.ok) return fail(newer.failure);
      const json = await readJsonFile(proofFile);
      const proof = json.ok ? parseConsistencyProofDocument(json.value, proofFile) : json;
      if (!proof.ok) return fail(proof.failure);
      const checked = checkConsistencyClaim(hash, trustedKey, older.value, newer.value, proof.value);
      if (!checked.ok) return fail(checked.failure);
      const witnessed = await cosignaturesOn(hash, newText.value, options);
      if (!witnessed.ok) return fail(witnessed.failure);
      process.stdout.write(
        `consistent: the log of ${newer.value.size} events extends the log of ${older.value.size} events\n` +
          witnessed.value
            .map(({ witness, time }) => `cosigned by ${witness} at ${new Date(time * 1000).toISOString()}\n`)
            .join(''),
      );
    });
}

interface CheckConsistencyOptions extends WitnessOptions {
  readonly key: string;
}

/** With --witness, the trusted witnesses' cosignatures on the newer checkpoint; none asked, none needed. */
async function cosignaturesOn(
  hash: HashFn,
  note: string,
  options: WitnessOptions,
): Promise<AuditResult<Cosignature[]>> {
  const threshold = await witnessThreshold(options);
  if (!threshold.ok || threshold.value === undefined) return threshold.ok ? passed([]) : threshold;
  const { trusted, minimum } = threshold.value;
  return checkNoteCosignatures(hash, note, trusted, minimum);
}
