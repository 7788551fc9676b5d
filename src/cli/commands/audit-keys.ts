import { localActor } from '../../domain/authorization';
import { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { DEFAULT_CONFIG } from '../../app/config';
import { loadApplication } from '../lazy-app';
import { failed, passed } from '../../domain/audit/audit-failure';
import { readKeyChanges } from '../../domain/audit/key-chain';
import { verifierKey } from '../../domain/audit/signed-note';
import { reportError } from '../report-error';
import { LoginFlags } from '../login-options';
import { ServerFlags, withServerOption } from '../server-option';
import { withClient } from '../with-client';
import { FerryError } from '../../transport/client/ferry-error';
import { DataOptions, dataDirOf, dataOption, fail, withToolkit } from './audit-proofs';

/**
 * `ferry audit key` (the public key, as PEM, as a signed-note verifier key, or every key the log has had)
 * and `ferry audit rotate-key` (a new checkpoint key, introduced in the log by the key it replaces).
 */
export function registerAuditKeys(audit: Command): void {
  audit
    .command('key')
    .description('print the public key checkpoints are signed with (PEM)')
    .addOption(dataOption())
    .option(
      '--note',
      "instead, the signed-note verifier key (<log name>+<key id>+<key>) of the log's checkpoints",
    )
    .option('--all', 'every key that has signed the log, oldest first, as its key changes name them')
    .action(async (options: DataOptions & { note?: boolean; all?: boolean }, command: Command) => {
      const dataDir = dataDirOf(options, command);
      if (options.note) return printNoteKey(dataDir);
      if (options.all) return printAllKeys(dataDir);
      const key = (await loadApplication()).readAuditPublicKey(dataDir);
      if (!key.ok) return fail(key.failure);
      if (key.value === undefined) {
        const message = `${dataDir} has no public key: a server creates one on first start`;
        return fail({ code: 'UNREADABLE', message });
      }
      process.stdout.write(key.value.publicKeyText);
    });

  withServerOption(
    audit
      .command('rotate-key')
      .description(
        'replace the checkpoint key: the log records the change, signed by the old key; in the data folder ' +
          '(server stopped), or with --server on a running server, as an admin',
      )
      .addOption(dataOption()),
  ).action(async (options: DataOptions & ServerFlags & LoginFlags, command: Command) => {
    // Over the wire only when asked on the command line: FERRY_SERVER alone must not turn a rotation of
    // the data folder named with --data into one of some server's.
    const overTheWire = command.getOptionValueSource('server') === 'cli';
    if (overTheWire && options.data !== undefined) {
      return command.error(
        "error: --server rotates a running server's key, --data a stopped one's: give one",
        {
          exitCode: 2,
        },
      );
    }
    if (overTheWire) {
      return withClient(options, async (client) => {
        printRotation(await client.rotateKey());
      });
    }
    const origin = {
      actor: localActor(userInfo().username),
      session: `rotate-key-${randomUUID()}`,
      remote: 'local',
    };
    try {
      const { rotateSigningKey } = await loadApplication();
      const rotated = await rotateSigningKey(
        { ...DEFAULT_CONFIG, dataDir: dataDirOf(options, command), logLevel: 'warn' },
        origin,
      );
      if (!rotated.ok) throw new FerryError(rotated.error.code, rotated.error.message);
      printRotation({ seq: rotated.value.seq, ...rotated.value.payload });
    } catch (error) {
      process.exitCode = reportError(error);
    }
  });
}

function printRotation(rotated: { seq: number; previousKeyId: string; keyId: string }): void {
  process.stdout.write(
    `rotated the checkpoint key in event ${rotated.seq}: ${rotated.previousKeyId} signed the change to ${rotated.keyId}\n`,
  );
}

/** `ferry audit key --all`: the first key and each one a key change introduced, with the event that did. */
function printAllKeys(dataDir: string): Promise<void> {
  return withToolkit(dataDir, undefined, false, async (toolkit) => {
    const changes = readKeyChanges(toolkit.reader);
    if (!changes.ok) return changes;
    if (toolkit.trustedKey === undefined) return failed('UNREADABLE', 'the data folder has no public key');
    const [first] = changes.value;
    const keys = first
      ? [
          { keyId: first.previousKeyId, pem: first.previousPublicKey, since: 'the first key' },
          ...changes.value.map((c) => ({ keyId: c.keyId, pem: c.publicKey, since: `from event ${c.seq}` })),
        ]
      : [{ keyId: toolkit.trustedKey.keyId, pem: toolkit.trustedKey.publicKeyText, since: 'the only key' }];
    for (const key of keys) process.stdout.write(`# key ${key.keyId}: ${key.since}\n${key.pem}`);
    return passed(undefined);
  });
}

/** `ferry audit key --note`: the verifier key under the log's name, as its newest checkpoint carries it. */
function printNoteKey(dataDir: string): Promise<void> {
  return withToolkit(dataDir, undefined, false, async (toolkit) => {
    const origin = toolkit.reader.latestCheckpoint()?.origin;
    if (origin === undefined) {
      return failed(
        'NO_CHECKPOINT',
        'the log has no checkpoint with its name yet: a server signs one within a minute',
      );
    }
    if (toolkit.trustedKey === undefined) return failed('UNREADABLE', 'the data folder has no public key');
    process.stdout.write(`${verifierKey(toolkit.hash, origin, toolkit.trustedKey.rawPublicKey)}\n`);
    return passed(undefined);
  });
}
