import { Container } from 'inversify';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  BACKUP_MANIFEST,
  copyDataFolder,
  CopyReport,
  writeBackupManifest,
} from '../infra/backup/data-folder-copy';
import { AuditResult, failed, passed } from '../domain/audit/audit-failure';
import { Witness } from '../domain/audit/cosignature';
import { AnonymousPolicy } from '../domain/authorization';
import { Clock } from '../domain/ports/clock.port';
import { CredentialStore } from '../domain/ports/credential-store.port';
import { EventLog } from '../domain/ports/event-log.port';
import { EventQuery } from '../domain/ports/event-query.port';
import { FileStore } from '../domain/ports/file-store.port';
import { FreeSpace } from '../domain/ports/free-space.port';
import { IdGenerator } from '../domain/ports/id-generator.port';
import { Logger } from '../domain/ports/logger.port';
import { EventOf, EventOrigin } from '../domain/events';
import { PasswordHasher } from '../domain/ports/password-hasher.port';
import { PublicKeys } from '../domain/ports/public-keys.port';
import { SignatureVerifier } from '../domain/ports/signature-verifier.port';
import { sha256, sha256Stream } from '../infra/crypto/sha256';
import {
  dataFolderKeyRotation,
  dataFolderSigningKey,
  publicKeyFromPem,
  readDataFolderPublicKey,
  readPublicKeyFile,
} from '../infra/crypto/signing-key-files';
import { DataDirLock } from '../infra/data-dir-lock';
import { ephemeralHostKey, loadOrCreateHostKey, SshHostKey } from '../infra/crypto/ssh-host-key';
import { MemoryEventLog } from '../infra/memory-event-log';
import { RandomIds } from '../infra/random-ids';
import { Argon2PasswordHasher } from '../infra/security/argon2-password-hasher';
import { OpenSshPublicKeys } from '../infra/crypto/openssh-public-keys';
import { MemoryCredentialStore } from '../infra/security/memory-credential-store';
import { SqliteCredentialStore } from '../infra/security/sqlite-credential-store';
import { CheckpointSettings } from '../infra/sqlite/checkpointer';
import { SqliteAuditReader } from '../infra/sqlite/sqlite-audit-reader';
import { SqliteEventLog } from '../infra/sqlite/sqlite-event-log';
import { SqliteEventQuery } from '../infra/sqlite/sqlite-event-query';
import { SqliteScratchProjection } from '../infra/sqlite/sqlite-scratch-projection';
import { SqliteWitnessState, WITNESS_STATE_FILE } from '../infra/sqlite/sqlite-witness-state';
import {
  readLogVerifierKey,
  readWitnessVerifierKey,
  witnessVerifierKey,
} from '../infra/crypto/verifier-keys';
import { loadOrCreateWitnessKey, readWitnessPublicKey, WITNESS_KEY_FILE } from '../infra/crypto/witness-key';
import { WitnessStateIdentity } from '../domain/ports/witness-state.port';
import { isKeyName } from '../domain/audit/signed-note';
import { WitnessService } from './witness/witness-service';
import { WitnessEndpoint, WitnessSubmissions } from './audit/witness-submissions';
import { HttpWitnessClient } from '../infra/witness/http-witness-client';
import { DiskFileStore } from '../infra/storage/disk-file-store';
import { FileSystemFreeSpace } from '../infra/storage/file-system-free-space';
import { MemoryFileStore } from '../infra/storage/memory-file-store';
import { SystemClock } from '../infra/system-clock';
import { createWinstonLogger } from '../infra/winston-logger';
import { AccessGuard } from './access-guard';
import { RebuildToolkit } from './admin/rebuild-catalogue';
import { AuditToolkit, ProofChecker } from './audit/audit-toolkit';
import { BanKeeper } from './ban-keeper';
import { DEFAULT_WITNESSING, FerryConfig } from './config';
import { ConnectionGate } from './connection-gate';
import { CollectGarbage } from './handlers/collect-garbage.handler';
import { DeleteFile } from './handlers/delete-file.handler';
import { DownloadFile } from './handlers/download-file.handler';
import { ListFiles } from './handlers/list-files.handler';
import { LogIn } from './handlers/log-in.handler';
import { ManageAccounts } from './handlers/manage-accounts.handler';
import { ManageFolders } from './handlers/manage-folders.handler';
import { ReadAudit } from './handlers/read-audit.handler';
import { RotateSigningKey } from './handlers/rotate-signing-key.handler';
import { SigningKeyRotation } from '../domain/ports/signing-key-rotation.port';
import { Result } from '../domain/errors';
import { RejectCommand } from './handlers/reject-command.handler';
import { RenameFile } from './handlers/rename-file.handler';
import { RestoreFile } from './handlers/restore-file.handler';
import { SessionLifecycle } from './handlers/session-lifecycle.handler';
import { ShowHelp } from './handlers/show-help.handler';
import { ShowHistory } from './handlers/show-history.handler';
import { StatFile } from './handlers/stat-file.handler';
import { ShowUploadOffset } from './handlers/show-upload-offset.handler';
import { UploadFile } from './handlers/upload-file.handler';
import { HeldUploadExpiry } from './held-upload-expiry';
import { ResumableAttempts } from './resumable-attempts';
import { Ledger } from './ledger';
import { LogName } from './log-name';
import { TOKENS } from './tokens';

/** What the transports drive: one object per use case. */
export interface Handlers {
  readonly sessions: SessionLifecycle;
  readonly help: ShowHelp;
  readonly list: ListFiles;
  readonly upload: UploadFile;
  /** OFFSET: where an interrupted upload continues. */
  readonly uploadOffset: ShowUploadOffset;
  readonly download: DownloadFile;
  readonly delete: DeleteFile;
  readonly restore: RestoreFile;
  /** One live file to another name, in one event. */
  readonly rename: RenameFile;
  readonly stat: StatFile;
  readonly history: ShowHistory;
  readonly reject: RejectCommand;
  readonly collectGarbage: CollectGarbage;
  readonly login: LogIn;
  readonly accounts: ManageAccounts;
  /** MKDIR and RMDIR of empty folders, and the folder reads of a listing (for SFTP). */
  readonly folders: ManageFolders;
  readonly audit: ReadAudit;
  /** A new checkpoint key, introduced in the log by the one it replaces. */
  readonly rotateKey: RotateSigningKey;
  /** Who may connect at all: bans and connection limits. */
  readonly gate: ConnectionGate;
  readonly access: AccessGuard;
}

export interface Application {
  readonly handlers: Handlers;
  readonly ledger: Ledger;
  readonly logger: Logger;
  /**
   * Records the connections refused since last time, lifts run-out bans and expires held uploads; runs
   * once a minute. Resolves when the expiry is done.
   */
  upkeep(): Promise<void>;
  /** Waits for pending appends, then closes the log. */
  close(): Promise<void>;
}

/** Lets tests replace any port, e.g. a FileStore that fails on purpose. */
export interface PortOverrides {
  readonly fileStore?: FileStore;
  readonly eventLog?: EventLog;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly logger?: Logger;
  readonly credentials?: CredentialStore;
  readonly passwordHasher?: PasswordHasher;
  readonly freeSpace?: FreeSpace;
}

/** How long a witness may take to answer a submission. */
const WITNESS_TIMEOUT_MS = 10_000;

/** How often refused connections are recorded and run-out bans lifted. */
const UPKEEP_INTERVAL_MS = 60_000;

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The only place that names concrete adapters. */
function buildContainer(config: FerryConfig, overrides: PortOverrides = {}): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  const clock = overrides.clock ?? new SystemClock();
  container.bind<Clock>(TOKENS.Clock).toConstantValue(clock);
  container.bind<IdGenerator>(TOKENS.IdGenerator).toConstantValue(overrides.ids ?? new RandomIds());
  container
    .bind<Logger>(TOKENS.Logger)
    .toConstantValue(overrides.logger ?? createWinstonLogger(config.logLevel));
  container.bind<FileStore>(TOKENS.FileStore).toDynamicValue((context) => {
    if (overrides.fileStore) return overrides.fileStore;
    if (config.store !== 'disk') return new MemoryFileStore();
    // Small blobs go into the audit database, on the log's connection, durable with its commits.
    const log = context.get<EventLog>(TOKENS.EventLog);
    const pack = log instanceof SqliteEventLog ? log.smallBlobs : undefined;
    return new DiskFileStore(config.dataDir, { fsync: config.fsync, pack });
  });
  container.bind<EventLog>(TOKENS.EventLog).toDynamicValue(
    (context) =>
      overrides.eventLog ??
      (config.store === 'disk'
        ? new SqliteEventLog({
            file: join(config.dataDir, 'audit.db'),
            now: () => clock.now().toISOString(),
            checkpoints: checkpointSettings(config, context.get<Logger>(TOKENS.Logger)),
          })
        : new MemoryEventLog()),
  );
  container
    .bind<CredentialStore>(TOKENS.CredentialStore)
    .toConstantValue(
      overrides.credentials ??
        (config.store === 'disk'
          ? new SqliteCredentialStore(join(config.dataDir, 'credentials.db'))
          : new MemoryCredentialStore()),
    );
  container.bind<PublicKeys>(TOKENS.PublicKeys).toConstantValue(new OpenSshPublicKeys());
  container
    .bind<SigningKeyRotation>(TOKENS.SigningKeyRotation)
    .toConstantValue(config.store === 'disk' ? dataFolderKeyRotation(config.dataDir) : NO_KEY_ROTATION);
  container
    .bind<PasswordHasher>(TOKENS.PasswordHasher)
    .toConstantValue(overrides.passwordHasher ?? new Argon2PasswordHasher());
  const freeSpace =
    config.store === 'disk' ? new FileSystemFreeSpace(config.dataDir) : { available: async () => undefined };
  container.bind<FreeSpace>(TOKENS.FreeSpace).toConstantValue(overrides.freeSpace ?? freeSpace);
  container.bind<AnonymousPolicy>(TOKENS.AnonymousPolicy).toConstantValue({ allowed: config.allowAnonymous });
  container.bind(TOKENS.BanPolicy).toConstantValue(config.bans);
  container.bind(TOKENS.ConnectionLimits).toConstantValue(config.connections);
  container.bind(TOKENS.UploadLimits).toConstantValue(config.uploads);
  for (const handler of [
    Ledger,
    LogName,
    SessionLifecycle,
    ShowHelp,
    ListFiles,
    UploadFile,
    ShowUploadOffset,
    ResumableAttempts,
    HeldUploadExpiry,
    DownloadFile,
    DeleteFile,
    RejectCommand,
    RestoreFile,
    RenameFile,
    StatFile,
    ShowHistory,
    CollectGarbage,
    AccessGuard,
    BanKeeper,
    ConnectionGate,
    LogIn,
    ManageAccounts,
    ManageFolders,
    ReadAudit,
    RotateSigningKey,
  ]) {
    container.bind(handler).toSelf();
  }
  return container;
}

/** Builds the container, sweeps storage and brings the catalogue up to the log: ready to serve. */
export async function startApplication(
  config: FerryConfig,
  overrides: PortOverrides = {},
): Promise<Application> {
  const witnesses = witnessEndpoints(config);
  // One writer per data folder: taken before anything is opened, released after everything is closed.
  const lock = config.store === 'disk' ? DataDirLock.acquire(ensureDir(config.dataDir)) : undefined;
  const container = buildContainer(config, overrides);
  const ledger = container.get(Ledger);
  let submissions: WitnessSubmissions | undefined;
  try {
    await container.get<FileStore>(TOKENS.FileStore).open();
    await ledger.load();
    await container.get(LogName).ensure(config.logOrigin);
    await container.get(HeldUploadExpiry).releaseUnaccounted();
    submissions = witnesses.length > 0 ? witnessSubmissions(config, container, witnesses) : undefined;
  } catch (error) {
    lock?.release();
    throw error;
  }
  submissions?.start();
  const eventLog = container.get<EventLog>(TOKENS.EventLog);
  const gate = container.get(ConnectionGate);
  const bans = container.get(BanKeeper);
  const heldUploads = container.get(HeldUploadExpiry);
  // Refused connections are recorded in aggregate, run-out bans lifted and held uploads expired, once a minute.
  const upkeep = async () => {
    gate.flushRefusals();
    bans.sweep();
    await heldUploads.sweep();
  };
  const upkeepTimer = setInterval(() => void upkeep(), UPKEEP_INTERVAL_MS);
  upkeepTimer.unref();
  return {
    ledger,
    logger: container.get<Logger>(TOKENS.Logger),
    handlers: {
      sessions: container.get(SessionLifecycle),
      help: container.get(ShowHelp),
      list: container.get(ListFiles),
      upload: container.get(UploadFile),
      uploadOffset: container.get(ShowUploadOffset),
      download: container.get(DownloadFile),
      delete: container.get(DeleteFile),
      restore: container.get(RestoreFile),
      rename: container.get(RenameFile),
      stat: container.get(StatFile),
      history: container.get(ShowHistory),
      reject: container.get(RejectCommand),
      collectGarbage: container.get(CollectGarbage),
      login: container.get(LogIn),
      accounts: container.get(ManageAccounts),
      folders: container.get(ManageFolders),
      audit: container.get(ReadAudit),
      rotateKey: container.get(RotateSigningKey),
      gate,
      access: container.get(AccessGuard),
    },
    upkeep,
    close: async () => {
      clearInterval(upkeepTimer);
      // Never fails: it only stops a timer, abandons requests and closes its reader.
      await submissions?.stop();
      // Whatever fails on the way (a log that can no longer be written), the files are closed and the
      // data folder's lock released, so that a supervisor's restart finds it free.
      try {
        gate.flushRefusals();
        await ledger.drain();
      } finally {
        try {
          await container.get<CredentialStore>(TOKENS.CredentialStore).close();
          await container
            .get<FileStore>(TOKENS.FileStore)
            .close()
            .finally(() => eventLog.close());
        } finally {
          lock?.release();
        }
      }
    },
  };
}

export interface WitnessConfig {
  /** Holds the witness's key and what it has cosigned. */
  readonly keyDir: string;
  /** The name it cosigns under, given when the folder is made; by default made from the key's id. */
  readonly name?: string;
  /** `<origin>=<log verifier key>` (or the verifier key alone, which names its log), one per key. */
  readonly logs: readonly string[];
  readonly logLevel: string;
}

export interface WitnessApplication {
  readonly service: WitnessService;
  readonly name: string;
  /** The witness's verifier key (`<name>+<id>+<key>`), for logs and verifiers to trust it by. */
  readonly verifierKey: string;
  readonly logger: Logger;
  close(): void;
}

/**
 * `ferry witness serve` and `ferry witness key`: the witness's key folder opened (made at first use, and
 * locked against a second witness process), with the logs it vouches for.
 */
export function openWitness(config: WitnessConfig, logger?: Logger): WitnessApplication {
  const logs = witnessedLogs(config.logs);
  const lock = DataDirLock.acquire(ensureDir(config.keyDir));
  let state: SqliteWitnessState | undefined;
  try {
    const statePath = join(config.keyDir, WITNESS_STATE_FILE);
    // The state is made before the key, so a key without it means the state was lost: a witness that has
    // forgotten what it cosigned would cosign a split view under the same name and key.
    const keyFound = existsSync(join(config.keyDir, WITNESS_KEY_FILE));
    if (keyFound && !existsSync(statePath)) {
      throw new Error(
        `${statePath} is missing beside the witness's key: restore it from a backup, or make a new witness ` +
          '(a new key folder, a new key to hand out); never run this key without what it has cosigned',
      );
    }
    state = new SqliteWitnessState(statePath);
    const stored = state.identity();
    if (stored !== undefined && !keyFound) {
      throw new Error(
        `${WITNESS_KEY_FILE} is missing beside the witness's state: restore it from a backup; a new key ` +
          'is a new witness (a new key folder)',
      );
    }
    // No identity yet beside a key is a first start cut short (nothing cosigned); anything cosigned means
    // the identity was lost, and with it the proof that this state is this key's.
    if (stored === undefined && keyFound && state.knowsAnyLog()) {
      throw new Error(`${statePath} has no identity but has cosigned: it is not this key's state`);
    }
    const key = loadOrCreateWitnessKey(config.keyDir);
    const identity = witnessIdentity(stored, key.verifier, config.name);
    if (stored === undefined) state.identifyOnce(identity);
    const log = logger ?? createWinstonLogger(config.logLevel);
    const signing = { name: identity.name, signer: key.signer, publicKey: key.verifier.rawPublicKey };
    const service = new WitnessService(sha256, signing, logs, state, new SystemClock(), log);
    const opened = state;
    return {
      service,
      name: identity.name,
      verifierKey: witnessVerifierKey(identity.name, key.verifier),
      logger: log,
      close: () => {
        opened.close();
        lock.release();
      },
    };
  } catch (error) {
    state?.close();
    lock.release();
    throw error;
  }
}

/**
 * `ferry witness key`: the witness's verifier key. A key folder already made is only read (so this works
 * while the witness runs); otherwise it is made, with `name` if given.
 */
export function witnessKeyOf(keyDir: string, name?: string): string {
  const stored = SqliteWitnessState.storedIdentity(join(keyDir, WITNESS_STATE_FILE));
  const key = readWitnessPublicKey(keyDir);
  if (stored !== undefined && key !== undefined) {
    const identity = witnessIdentity(stored, key, name);
    return witnessVerifierKey(identity.name, key);
  }
  const witness = openWitness({
    keyDir,
    ...(name === undefined ? {} : { name }),
    logs: [],
    logLevel: 'error',
  });
  witness.close();
  return witness.verifierKey;
}

/** The identity a key folder has, or is given now; a state file of another key, or a rename, is refused. */
function witnessIdentity(
  stored: WitnessStateIdentity | undefined,
  key: SignatureVerifier,
  asked: string | undefined,
): WitnessStateIdentity {
  if (stored !== undefined && stored.keyId !== key.keyId) {
    throw new Error(
      `the witness state is of key ${stored.keyId}, but ${WITNESS_KEY_FILE} is key ${key.keyId}`,
    );
  }
  if (stored !== undefined && asked !== undefined && asked !== stored.name) {
    throw new Error(
      `this witness is named ${stored.name}, once and for all: --name ${asked} cannot rename it`,
    );
  }
  const name = stored?.name ?? asked ?? `ferry-witness/${key.keyId.slice(0, 16)}`;
  if (!isKeyName(name))
    throw new Error(`--name ${JSON.stringify(name)}: a witness name has no spaces and no "+"`);
  return { name, keyId: key.keyId };
}

/** `--log` values, by origin; each names its log, or is refused with a message saying why. */
function witnessedLogs(values: readonly string[]): Map<string, SignatureVerifier[]> {
  const logs = new Map<string, SignatureVerifier[]>();
  for (const value of values) {
    const whole = readLogVerifierKey(value);
    const split = value.indexOf('=');
    const named = whole ?? (split > 0 ? readLogVerifierKey(value.slice(split + 1)) : undefined);
    if (named === undefined) {
      throw new Error(
        `--log ${value}: not <origin>=<verifier key> (as \`ferry audit key --note\` prints it)`,
      );
    }
    const origin = whole === undefined ? value.slice(0, split) : named.name;
    if (origin !== named.name) {
      throw new Error(`--log ${value}: the verifier key is for a log named ${named.name}, not ${origin}`);
    }
    logs.set(origin, [...(logs.get(origin) ?? []), named.key]);
  }
  return logs;
}

/** `--witness` values, read before anything is opened: a bad one stops the start with a clear message. */
function witnessEndpoints(config: FerryConfig): WitnessEndpoint[] {
  const endpoints = (config.witnesses ?? []).map((value) => {
    const split = value.indexOf('=');
    const witness = split > 0 ? readWitnessVerifierKey(value.slice(split + 1)) : undefined;
    if (witness === undefined) {
      throw new Error(
        `--witness ${value}: not <url>=<witness verifier key> (as \`ferry witness key\` prints it)`,
      );
    }
    const url = value.slice(0, split);
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw new Error(`--witness ${value}: ${url} is not an http(s) URL`);
    return { url, name: witness.name, key: witness.key };
  });
  const names = endpoints.map((endpoint) => endpoint.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined) {
    throw new Error(`--witness: ${twice} is named twice: each witness once, each under its own name`);
  }
  if (endpoints.length > 0 && config.store !== 'disk') {
    throw new Error('--witness needs disk storage: a log in memory keeps no checkpoints to submit');
  }
  return endpoints;
}

/** The log's submissions to its witnesses, over its own read-only connection to the audit database. */
function witnessSubmissions(
  config: FerryConfig,
  container: Container,
  witnesses: readonly WitnessEndpoint[],
): WitnessSubmissions {
  const eventLog = container.get<EventLog>(TOKENS.EventLog);
  if (!(eventLog instanceof SqliteEventLog)) throw new Error('--witness needs the SQLite audit log');
  const reader = SqliteAuditReader.open(join(config.dataDir, 'audit.db'));
  if (!reader.ok) throw new Error(reader.failure.message);
  return new WitnessSubmissions(
    sha256,
    reader.value,
    eventLog.cosignatures,
    new HttpWitnessClient(WITNESS_TIMEOUT_MS),
    container.get(Ledger),
    container.get<Logger>(TOKENS.Logger),
    container.get<Clock>(TOKENS.Clock),
    () => {
      const key = readDataFolderPublicKey(config.dataDir);
      return key.ok ? key.value : undefined;
    },
    publicKeyFromPem,
    witnesses,
    config.witnessing ?? DEFAULT_WITNESSING,
  );
}

/** The audit log of a data folder, read-only, for `ferry audit`: no container, no migrations, no writes. */
export function openEventQuery(dataDir: string): EventQuery {
  return new SqliteEventQuery(join(dataDir, 'audit.db'));
}

/** The SFTP host key: the data folder's (created at first start), or a new one each start in memory. */
export function sftpHostKey(config: FerryConfig): SshHostKey {
  return config.store === 'disk' ? loadOrCreateHostKey(config.dataDir) : ephemeralHostKey();
}

/** The data folder's Ed25519 key (created on first start) signs the audit log's checkpoints. */
function checkpointSettings(config: FerryConfig, logger: Logger): CheckpointSettings {
  return {
    key: dataFolderSigningKey(config.dataDir),
    policy: { everyEvents: config.checkpointEvents, everySeconds: config.checkpointSeconds },
    onError: (error) => logger.error('signing an audit checkpoint failed', { error: String(error) }),
  };
}

/**
 * A data folder opened for `ferry audit verify` and `prove`: the database read-only, blobs only read.
 * Checkpoints are checked with the key in `keyFile` if given, else with the data folder's own public key.
 * The log is folded afresh into a scratch database outside the data folder (SQLite's temporary one).
 */
export function openAuditToolkit(dataDir: string, keyFile?: string): AuditResult<AuditToolkit> {
  const key = keyFile === undefined ? readDataFolderPublicKey(dataDir) : readPublicKeyFile(keyFile);
  if (!key.ok) return key;
  const reader = SqliteAuditReader.open(join(dataDir, 'audit.db'));
  if (!reader.ok) return reader;
  const blobs = new DiskFileStore(dataDir);
  return passed({
    reader: reader.value,
    blobs,
    hash: sha256,
    hashStream: sha256Stream,
    trustedKey: key.value,
    publicKeyOf: publicKeyFromPem,
    openScratchProjection: () => {
      const stored = reader.value.catalogueTables();
      return stored.ok ? SqliteScratchProjection.open(stored.value) : stored;
    },
    close: async () => {
      reader.value.close();
      await blobs.close();
    },
  });
}

/**
 * A data folder opened for `ferry admin rebuild`: locked first, as `ferry gc` and a server lock it, so that
 * it refuses while a server runs there. Throws when there is no log, the folder is in use, or the log
 * cannot be opened (a catalogue ahead of its log, evidence of a removed tail, is one such case).
 */
export function openCatalogueRebuild(dataDir: string): RebuildToolkit {
  const file = join(dataDir, 'audit.db');
  if (!existsSync(file)) throw new Error(`no audit log at ${file}`);
  const lock = DataDirLock.acquire(dataDir);
  const clock = new SystemClock();
  let log: SqliteEventLog;
  try {
    // No checkpoint settings: a rebuild appends no event, so there is nothing to sign.
    log = new SqliteEventLog({ file, now: () => clock.now().toISOString() });
  } catch (error) {
    lock.release();
    throw error;
  }
  return {
    catalogue: log,
    clock,
    close: async () => {
      try {
        await log.close();
      } finally {
        lock.release();
      }
    },
  };
}

/** The public key a data folder's checkpoints are signed with. */
export function readAuditPublicKey(dataDir: string): AuditResult<SignatureVerifier | undefined> {
  return readDataFolderPublicKey(dataDir);
}

/** Witness verifier keys given to `ferry audit verify --witness`, or which one is not one. */
export function readTrustedWitnesses(values: readonly string[]): AuditResult<Witness[]> {
  const witnesses: Witness[] = [];
  for (const value of values) {
    const witness = readWitnessVerifierKey(value);
    if (witness === undefined) {
      return failed(
        'UNREADABLE',
        `--witness ${value}: not a witness verifier key (as \`ferry witness key\` prints it)`,
      );
    }
    witnesses.push(witness);
  }
  return passed(witnesses);
}

/** For `ferry audit check-proof`: nothing from any data folder, only the key the checker chose to trust. */
export function openProofChecker(keyFile: string): AuditResult<ProofChecker> {
  const key = readPublicKeyFile(keyFile);
  return key.ok ? passed({ hash: sha256, trustedKey: key.value }) : key;
}

/**
 * `ferry backup`: a consistent copy of a data folder, while a server may be writing to it, into an empty
 * folder, marked as a backup once complete.
 */
export async function backupDataFolder(dataDir: string, to: string): Promise<CopyReport> {
  const report = await copyDataFolder(dataDir, to);
  await writeBackupManifest(to, report, dataDir);
  return report;
}

/** `ferry restore-backup`: a finished backup copied into a new data folder (which must be empty). */
export function restoreDataFolder(backup: string, dataDir: string): Promise<CopyReport> {
  if (!existsSync(join(backup, BACKUP_MANIFEST))) {
    throw new Error(`${backup} is not a finished Ferry backup: it has no ${BACKUP_MANIFEST}`);
  }
  return copyDataFolder(backup, dataDir);
}

/**
 * `ferry audit rotate-key`, with the server stopped: the same rotation as an admin's ROTATE-KEY, in a
 * start of its own. Started first: it takes the folder's lock, and finishes a rotation an earlier run
 * left half done, so the key in force is the current file's.
 */
export async function rotateSigningKey(
  config: FerryConfig,
  origin: EventOrigin,
): Promise<Result<EventOf<'SigningKeyRotated'>>> {
  const app = await startApplication(config);
  try {
    return await app.handlers.rotateKey.execute(origin);
  } finally {
    await app.close();
  }
}

/** A log in memory signs nothing, so it has no key to rotate. */
const NO_KEY_ROTATION: SigningKeyRotation = {
  current: () => undefined,
  prepareNext: () => {
    throw new Error('a log in memory has no signing key');
  },
  promoteNext: () => {
    throw new Error('a log in memory has no signing key');
  },
};
