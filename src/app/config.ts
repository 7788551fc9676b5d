import { BanPolicy, DEFAULT_BAN_POLICY } from '../domain/address-bans';
import type { WitnessingTimes } from './audit/witness-submissions';
import { ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './connection-limits';
import { DEFAULT_UPLOAD_LIMITS, UploadLimits } from './upload-limits';

export type StoreKind = 'disk' | 'memory';

export interface FerryConfig {
  readonly host: string;
  readonly port: number;
  /** Holds the audit log and, with disk storage, the blobs. */
  readonly dataDir: string;
  readonly store: StoreKind;
  /**
   * Whether file bytes are on disk (fsync) before an upload is answered OK. Off, they may still be in the
   * page cache, as with an FTP server: a power cut can lose files the log says were stored.
   */
  readonly fsync: boolean;
  readonly logLevel: string;
  /** The audit log signs a checkpoint of its Merkle tree after this many events... */
  readonly checkpointEvents: number;
  /** ...or this many seconds, whichever comes first, and always at shutdown. */
  readonly checkpointSeconds: number;
  /** The log's name (origin) at its creation; by default made from the signing key's id. */
  readonly logOrigin?: string;
  /**
   * Whether a session that has not logged in may act as `anonymous` while no account exists: true on
   * loopback, or when the operator passed --allow-anonymous. Once an account exists, everyone logs in.
   */
  readonly allowAnonymous: boolean;
  /**
   * Witnesses every new checkpoint is submitted to, each `<url>=<witness verifier key>` (as `ferry witness
   * key` prints it); the URL holds no `=`.
   */
  readonly witnesses?: readonly string[];
  /** How often new checkpoints are looked for, and the longest wait before a witness is tried again. */
  readonly witnessing?: WitnessingTimes;
  readonly bans: BanPolicy;
  readonly connections: ConnectionLimits;
  readonly uploads: UploadLimits;
}

export const DEFAULT_CONFIG: FerryConfig = {
  host: '127.0.0.1',
  port: 5456,
  dataDir: './ferry-data',
  store: 'disk',
  fsync: true,
  logLevel: 'info',
  checkpointEvents: 1000,
  checkpointSeconds: 60,
  allowAnonymous: true,
  bans: DEFAULT_BAN_POLICY,
  connections: DEFAULT_CONNECTION_LIMITS,
  uploads: DEFAULT_UPLOAD_LIMITS,
};

export const DEFAULT_WITNESSING: WitnessingTimes = { pollMs: 1000, maxRetryMs: 60_000 };
