import { Command, InvalidArgumentError, Option } from 'commander';
import { AuditToolkit } from '../../app/audit/audit-toolkit';
import { proveEvent } from '../../app/audit/prove-event';
import { verifyAuditLog, VerifiedAuditLog, WitnessThreshold } from '../../app/audit/verify-audit-log';
import { WitnessedCheckpoint } from '../../domain/audit/witnessed-checkpoint';
import { collect, parsePositiveInteger } from '../options';
import { loadApplication } from '../lazy-app';
import { DEFAULT_CONFIG } from '../../app/config';
import { AuditFailure, AuditResult, failed, passed } from '../../domain/audit/audit-failure';
import { checkCheckpointSignature, checkpointLabel } from '../../domain/audit/checkpoint';
import { toCheckpointDocument } from '../../domain/audit/checkpoint-document';
import { checkpointNote } from '../../domain/audit/checkpoint-note';
import { toHex } from '../../domain/audit/hash';
import {
  checkInclusionClaim,
  parseInclusionProofDocument,
} from '../../domain/audit/inclusion-proof-document';
import { readJsonFile, reportAuditFailure } from '../audit-verdict';
import { readCheckpointFile } from '../checkpoint-file';

export interface DataOptions {
  readonly data?: string;
}

/** No default here: `ferry audit --data X verify` hands X to the parent command, and it must count too. */
export function dataOption(): Option {
  return new Option(
    '--data <dir>',
    `data folder holding audit.db (default: ${DEFAULT_CONFIG.dataDir} or FERRY_DATA)`,
  );
}

export function dataDirOf(options: DataOptions, command: Command): string {
  const parentData = (command.parent?.opts() as DataOptions | undefined)?.data;
  return options.data ?? parentData ?? process.env.FERRY_DATA ?? DEFAULT_CONFIG.dataDir;
}

function parseSeq(value: string): number {
  const seq = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(seq) || seq < 1) {
    throw new InvalidArgumentError('an event seq is a whole number from 1');
  }
  return seq;
}

function parseTreeSize(value: string): number {
  const size = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(size))
    throw new InvalidArgumentError('a tree size is a whole number');
  return size;
}

/**
 * `ferry audit verify | key | checkpoint | prove | check-proof`: the log proving itself, offline, from a
 * data folder opened read-only (safe while the server runs) or, for check-proof, from a proof and a key.
 */
export function registerAuditProofs(audit: Command): void {
  // `ferry audit` lists events and has a --data of its own; this keeps `audit verify --data x` for verify.
  audit.enablePositionalOptions();

  audit
    .command('verify')
    .description(
      'recompute the Merkle tree, check every checkpoint signature, the catalogue tables against the log and every blob',
    )
    .addOption(dataOption())
    .option('--against <checkpoint.json>', 'also prove the log extends this checkpoint, kept elsewhere')
    .option('--key <public-key.pem>', "trust this public key, not the data folder's own")
    .option(
      '--witness <verifier-key>',
      "a witness to trust (`ferry witness key`); repeatable: checkpoints count only with witnesses' cosignatures",
      collect,
    )
    .option(
      '--min-witnesses <n>',
      'how many of the --witness keys must cosign (default: 1)',
      parsePositiveInteger,
    )
    .option('--json', 'the verdict as one JSON object on stdout')
    .action((options: DataOptions & VerifyCommandOptions, command: Command) =>
      verifyDataFolder(dataDirOf(options, command), options),
    );

  audit
    .command('checkpoint')
    .description(
      'print the latest signed checkpoint, to keep somewhere the server cannot write: the C2SP signed note itself',
    )
    .addOption(dataOption())
    .option('--json', 'as a JSON document instead (the form of checkpoints before the log had a name)')
    .option('--size <n>', 'the checkpoint of this tree size instead of the latest', parseTreeSize)
    .action((options: DataOptions & { json?: boolean; size?: number }, command: Command) =>
      withToolkit(dataDirOf(options, command), undefined, false, async (toolkit) => {
        const { reader } = toolkit;
        const latest =
          options.size === undefined ? reader.latestCheckpoint() : reader.checkpointOfSize(options.size);
        if (latest === undefined) {
          const which = options.size === undefined ? 'yet' : `of size ${options.size}`;
          return failed('NO_CHECKPOINT', `there is no checkpoint ${which}`);
        }
        const trusted = toolkit.trustedKey;
        if (trusted === undefined) return failed('UNREADABLE', 'the data folder has no public key');
        const signed = checkCheckpointSignature(trusted, latest);
        if (!signed.ok) return signed;
        if (latest.origin !== undefined && !options.json) {
          const cosignatures = reader.cosignaturesOf(latest.size).map((each) => each.line);
          process.stdout.write(
            checkpointNote(toolkit.hash, latest, trusted.rawPublicKey) + cosignatures.join(''),
          );
        } else printJson(toCheckpointDocument(latest, trusted.publicKeyText));
        return signed;
      }),
    );

  audit
    .command('prove')
    .description('print an inclusion proof of one event against a signed checkpoint, as JSON')
    .argument('<seq>', 'the event', parseSeq)
    .addOption(dataOption())
    .option('--size <n>', 'against the checkpoint of this tree size (default: the latest)', parseTreeSize)
    .action((seq: number, options: DataOptions & { size?: number }, command: Command) =>
      withToolkit(dataDirOf(options, command), undefined, false, async (toolkit) => {
        const proof = proveEvent(toolkit, seq, options.size);
        if (proof.ok) printJson(proof.value);
        return proof;
      }),
    );

  audit
    .command('check-proof')
    .description('check a proof from `ferry audit prove` with nothing but the public key')
    .argument('<proof.json>', 'the proof')
    .requiredOption('--key <public-key.pem>', 'the public key to trust')
    .action(async (file: string, options: { key: string }) => {
      const checker = (await loadApplication()).openProofChecker(options.key);
      if (!checker.ok) return fail(checker.failure);
      const json = await readJsonFile(file);
      if (!json.ok) return fail(json.failure);
      const claim = parseInclusionProofDocument(json.value);
      const proven = claim.ok
        ? checkInclusionClaim(checker.value.hash, checker.value.trustedKey, claim.value)
        : claim;
      if (!proven.ok) return fail(proven.failure);
      const { seq, checkpoint } = proven.value;
      process.stdout.write(
        `proof holds: event ${seq} is in the log of ${checkpoint.size} events signed at ${checkpoint.at} ` +
          `by key ${checkpoint.keyId}\n`,
      );
    });
}

/** `--witness <verifier key>...` and `--min-witnesses N`: whose cosignatures a checkpoint needs. */
export interface WitnessOptions {
  readonly witness?: readonly string[];
  readonly minWitnesses?: number;
}

export interface VerifyCommandOptions extends WitnessOptions {
  readonly against?: string;
  readonly key?: string;
  readonly json?: boolean;
}

/** `ferry audit verify` of `dataDir`: prints the verdict and sets the exit code. */
export function verifyDataFolder(dataDir: string, options: VerifyCommandOptions): Promise<void> {
  return withToolkit(dataDir, options.key, options.json, async (toolkit) => {
    const against =
      options.against === undefined
        ? undefined
        : await readCheckpointFile(options.against, toolkit.hash, toolkit.trustedKey);
    if (against !== undefined && !against.ok) return against;
    const witnesses = await witnessThreshold(options);
    if (!witnesses.ok) return witnesses;
    const verified = await verifyAuditLog(toolkit, {
      ...(against === undefined ? {} : { against: against.value }),
      ...(witnesses.value === undefined ? {} : { witnesses: witnesses.value }),
    });
    if (verified.ok) printVerified(verified.value, options.json === true);
    return verified;
  });
}

export async function witnessThreshold(
  options: WitnessOptions,
): Promise<AuditResult<WitnessThreshold | undefined>> {
  const given = options.witness ?? [];
  if (given.length === 0) {
    return options.minWitnesses === undefined
      ? passed(undefined)
      : failed('UNREADABLE', '--min-witnesses needs the witnesses to trust: --witness <verifier key>');
  }
  const minimum = options.minWitnesses ?? 1;
  if (minimum > given.length) {
    return failed('UNREADABLE', `--min-witnesses ${minimum}, but only ${given.length} --witness keys given`);
  }
  const trusted = (await loadApplication()).readTrustedWitnesses(given);
  return trusted.ok ? passed({ trusted: trusted.value, minimum }) : trusted;
}

/** Opens the data folder read-only for one piece of work, turns its verdict into an exit code, closes. */
export async function withToolkit(
  dataDir: string,
  keyFile: string | undefined,
  json: boolean | undefined,
  work: (toolkit: AuditToolkit) => Promise<AuditResult<unknown>>,
): Promise<void> {
  const toolkit = (await loadApplication()).openAuditToolkit(dataDir, keyFile);
  if (!toolkit.ok) return fail(toolkit.failure, json);
  try {
    const verdict = await work(toolkit.value);
    if (!verdict.ok) fail(verdict.failure, json);
  } finally {
    await toolkit.value.close();
  }
}

export function fail(failure: AuditFailure, json?: boolean): void {
  process.exitCode = reportAuditFailure(failure, json === true);
}

function printVerified(log: VerifiedAuditLog, json: boolean): void {
  const root = toHex(log.root);
  if (json) {
    const against = log.against && {
      size: log.against.size,
      root: toHex(log.against.root),
      at: log.against.at,
    };
    printJson({
      ok: true,
      events: log.events,
      checkpoints: log.checkpoints,
      blobs: log.blobs,
      root,
      latestCheckpointSize: log.latestCheckpointSize,
      ...(against ? { against } : {}),
      ...(log.witnessed
        ? {
            witnessed: {
              size: log.witnessed.checkpoint.size,
              witnesses: log.witnessed.cosignatures.map(({ witness, time }) => ({ witness, time })),
            },
          }
        : {}),
    });
    return;
  }
  const counted = [
    count(log.events, 'event'),
    count(log.checkpoints, 'checkpoint'),
    count(log.blobs, 'blob'),
  ];
  let summary = `verified ${counted.join(', ')}; root ${root}\n`;
  summary +=
    'checked: every record against its leaf and the Merkle tree, every checkpoint signature by the key in ' +
    'force, the catalogue tables against the log folded afresh, every blob against its SHA-256\n';
  if (log.against) summary += `the log extends the kept ${checkpointLabel(log.against)}\n`;
  if (log.witnessed) summary += witnessedSummary(log.witnessed, log.events);
  if (log.latestCheckpointSize < log.events) {
    summary +=
      `not checked: events ${log.latestCheckpointSize + 1} to ${log.events} are signed by no checkpoint yet ` +
      '(the server signs them within --checkpoint-seconds, at shutdown, or at its next start)\n';
  }
  process.stdout.write(summary);
}

function witnessedSummary({ checkpoint, cosignatures }: WitnessedCheckpoint, events: number): string {
  const by = cosignatures
    .map(({ witness, time }) => `${witness} at ${new Date(time * 1000).toISOString()}`)
    .join(', ');
  const witnessed = `witnessed: events 1 to ${checkpoint.size}, by the checkpoint of that size cosigned by ${by}\n`;
  return checkpoint.size < events
    ? `${witnessed}not witnessed: events ${checkpoint.size + 1} to ${events} (no later checkpoint has enough cosignatures yet)\n`
    : witnessed;
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
