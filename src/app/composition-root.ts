import { Container } from 'inversify';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AuditResult, passed } from '../domain/audit/audit-failure';
import { Clock } from '../domain/ports/clock.port';
import { EventLog } from '../domain/ports/event-log.port';
import { EventQuery } from '../domain/ports/event-query.port';
import { FileStore } from '../domain/ports/file-store.port';
import { IdGenerator } from '../domain/ports/id-generator.port';
import { Logger } from '../domain/ports/logger.port';
import { SignatureVerifier } from '../domain/ports/signature-verifier.port';
import { SnapshotStore } from '../domain/ports/snapshot-store.port';
import { sha256, sha256Stream } from '../infra/crypto/sha256';
import {
  loadOrCreateSigningKey,
  readDataFolderPublicKey,
  readPublicKeyFile,
} from '../infra/crypto/signing-key-files';
import { DataDirLock } from '../infra/data-dir-lock';
import { MemoryEventLog } from '../infra/memory-event-log';
import { MemorySnapshotStore } from '../infra/memory-snapshot-store';
import { RandomIds } from '../infra/random-ids';
import { CheckpointSettings } from '../infra/sqlite/checkpointer';
import { SqliteAuditReader } from '../infra/sqlite/sqlite-audit-reader';
import { SqliteEventLog } from '../infra/sqlite/sqlite-event-log';
import { SqliteEventQuery } from '../infra/sqlite/sqlite-event-query';
import { SqliteSnapshotStore } from '../infra/sqlite/sqlite-snapshot-store';
import { DiskFileStore } from '../infra/storage/disk-file-store';
import { MemoryFileStore } from '../infra/storage/memory-file-store';
import { SystemClock } from '../infra/system-clock';
import { createWinstonLogger } from '../infra/winston-logger';
import { AuditToolkit, ProofChecker } from './audit/audit-toolkit';
import { CatalogueHistory } from './catalogue-history';
import { FerryConfig } from './config';
import { CollectGarbage } from './handlers/collect-garbage.handler';
import { DeleteFile } from './handlers/delete-file.handler';
import { DownloadFile } from './handlers/download-file.handler';
import { ListFiles } from './handlers/list-files.handler';
import { RejectCommand } from './handlers/reject-command.handler';
import { RestoreFile } from './handlers/restore-file.handler';
import { SessionLifecycle } from './handlers/session-lifecycle.handler';
import { ShowHelp } from './handlers/show-help.handler';
import { ShowHistory } from './handlers/show-history.handler';
import { StatFile } from './handlers/stat-file.handler';
import { UploadFile } from './handlers/upload-file.handler';
import { Ledger, LedgerOptions } from './ledger';
import { TOKENS } from './tokens';

/** What the transports drive: one object per use case. */
export interface Handlers {
  readonly sessions: SessionLifecycle;
  readonly help: ShowHelp;
  readonly list: ListFiles;
  readonly upload: UploadFile;
  readonly download: DownloadFile;
  readonly delete: DeleteFile;
  readonly restore: RestoreFile;
  readonly stat: StatFile;
  readonly history: ShowHistory;
  readonly reject: RejectCommand;
  readonly collectGarbage: CollectGarbage;
}

export interface Application {
  readonly handlers: Handlers;
  readonly ledger: Ledger;
  readonly logger: Logger;
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
  readonly snapshots?: SnapshotStore;
}

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
  container
    .bind<FileStore>(TOKENS.FileStore)
    .toConstantValue(
      overrides.fileStore ??
        (config.store === 'disk' ? new DiskFileStore(config.dataDir) : new MemoryFileStore()),
    );
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
  container.bind<SnapshotStore>(TOKENS.SnapshotStore).toDynamicValue((context) => {
    if (overrides.snapshots) return overrides.snapshots;
    if (config.store !== 'disk') return new MemorySnapshotStore();
    // The event log migrates the schema, snapshots table included, so it must be open first.
    context.get<EventLog>(TOKENS.EventLog);
    return new SqliteSnapshotStore(join(config.dataDir, 'audit.db'));
  });
  container
    .bind<LedgerOptions>(TOKENS.LedgerOptions)
    .toConstantValue({ snapshotEvery: config.snapshotEvery });
  for (const handler of [
    Ledger,
    SessionLifecycle,
    ShowHelp,
    ListFiles,
    UploadFile,
    DownloadFile,
    DeleteFile,
    RejectCommand,
    RestoreFile,
    StatFile,
    ShowHistory,
    CatalogueHistory,
    CollectGarbage,
  ]) {
    container.bind(handler).toSelf();
  }
  return container;
}

/** Builds the container, sweeps storage and folds the log into the catalogue: ready to serve. */
export async function startApplication(
  config: FerryConfig,
  overrides: PortOverrides = {},
): Promise<Application> {
  // One writer per data folder: taken before anything is opened, released after everything is closed.
  const lock = config.store === 'disk' ? DataDirLock.acquire(ensureDir(config.dataDir)) : undefined;
  const container = buildContainer(config, overrides);
  const ledger = container.get(Ledger);
  try {
    await container.get<FileStore>(TOKENS.FileStore).open();
    await ledger.load();
  } catch (error) {
    lock?.release();
    throw error;
  }
  const eventLog = container.get<EventLog>(TOKENS.EventLog);
  return {
    ledger,
    logger: container.get<Logger>(TOKENS.Logger),
    handlers: {
      sessions: container.get(SessionLifecycle),
      help: container.get(ShowHelp),
      list: container.get(ListFiles),
      upload: container.get(UploadFile),
      download: container.get(DownloadFile),
      delete: container.get(DeleteFile),
      restore: container.get(RestoreFile),
      stat: container.get(StatFile),
      history: container.get(ShowHistory),
      reject: container.get(RejectCommand),
      collectGarbage: container.get(CollectGarbage),
    },
    close: async () => {
      await ledger.snapshot();
      await container.get<SnapshotStore>(TOKENS.SnapshotStore).close();
      await eventLog.close();
      lock?.release();
    },
  };
}

/** The audit log of a data folder, read-only, for `ferry audit`: no container, no migrations, no writes. */
export function openEventQuery(dataDir: string): EventQuery {
  return new SqliteEventQuery(join(dataDir, 'audit.db'));
}

/** The data folder's Ed25519 key (created on first start) signs the audit log's checkpoints. */
function checkpointSettings(config: FerryConfig, logger: Logger): CheckpointSettings {
  return {
    signer: loadOrCreateSigningKey(config.dataDir),
    policy: { everyEvents: config.checkpointEvents, everySeconds: config.checkpointSeconds },
    onError: (error) => logger.error('signing an audit checkpoint failed', { error: String(error) }),
  };
}

/**
 * A data folder opened for `ferry audit verify` and `prove`: the database read-only, blobs only read.
 * Checkpoints are checked with the key in `keyFile` if given, else with the data folder's own public key.
 */
export function openAuditToolkit(dataDir: string, keyFile?: string): AuditResult<AuditToolkit> {
  const key = keyFile === undefined ? readDataFolderPublicKey(dataDir) : readPublicKeyFile(keyFile);
  if (!key.ok) return key;
  const reader = SqliteAuditReader.open(join(dataDir, 'audit.db'));
  if (!reader.ok) return reader;
  return passed({
    reader: reader.value,
    blobs: new DiskFileStore(dataDir),
    hash: sha256,
    hashStream: sha256Stream,
    trustedKey: key.value,
    close: () => reader.value.close(),
  });
}

/** The public key a data folder's checkpoints are signed with. */
export function readAuditPublicKey(dataDir: string): AuditResult<SignatureVerifier | undefined> {
  return readDataFolderPublicKey(dataDir);
}

/** For `ferry audit check-proof`: nothing from any data folder, only the key the checker chose to trust. */
export function openProofChecker(keyFile: string): AuditResult<ProofChecker> {
  const key = readPublicKeyFile(keyFile);
  return key.ok ? passed({ hash: sha256, trustedKey: key.value }) : key;
}
