import { ErrorCode } from './errors';

/** Who did something, from where, in which session: the part of every event that answers "who". */
export interface EventOrigin {
  readonly actor: string;
  readonly session: string;
  readonly remote: string;
}

export type SessionCloseReason =
  'logout' | 'disconnect' | 'protocol-error' | 'idle' | 'shutdown' | 'login-timeout' | 'line-timeout';

export type Role = 'read' | 'write' | 'admin';

/** Why a login failed: for auditors only; the client is told no more than "login failed". */
export type LoginFailure = 'unknown-user' | 'bad-password' | 'disabled' | 'no-password' | 'unknown-key';

/** Why a connection was turned away before its session began. */
export type ConnectionRefusal = 'banned' | 'server-full' | 'address-full';

export interface EventPayloads {
  /** `transport` names the protocol adapter (`ferry`, later `sftp`); `tls` whether the wire is encrypted. */
  SessionOpened: { readonly protocol: number; readonly transport?: string; readonly tls?: boolean };
  SessionClosed: { readonly reason: SessionCloseReason };
  HelpShown: Record<string, never>;
  /**
   * One page of a listing: `after` is set for a page after the first, `at` when the listing was of a past
   * moment (an event seq or an ISO time, as asked).
   */
  FilesListed: {
    readonly prefix: string;
    readonly count: number;
    readonly after?: string;
    readonly at?: string;
  };
  /**
   * `version` 0: no live version, only bytes held for `name` (a cut SFTP upload whose client asked its
   * size to resume it); `held` is set when those held bytes are what the reply gave.
   */
  FileStatShown: { readonly name: string; readonly version: number; readonly held?: number };
  /** A STAT (SFTP) of a folder that exists: made explicitly, holding a live name, or above one's home. */
  FolderStatShown: { readonly path: string };
  HistoryShown: { readonly name: string; readonly count: number };
  FileUploaded: {
    readonly name: string;
    readonly version: number;
    readonly sha256: string;
    readonly size: number;
    readonly requestId?: string;
    /** An append (SFTP `reput`): the first `size` bytes are those of `version`; the actor sent the rest. */
    readonly appendedTo?: { readonly version: number; readonly size: number };
    /**
     * A resumable upload: this last attempt sent the bytes from `from` on; the ones before it came in the
     * attempts its `UploadInterrupted` events record. The digest covers the whole file.
     */
    readonly upload?: { readonly id: string; readonly from: number };
  };
  /**
   * A resumable upload's connection went away mid-body (or its next attempt took over): its bytes are kept,
   * durably, for a later attempt to continue. This attempt began at `from` and moved `bytes`; `held` are
   * kept in all. `size` is the whole file's declared size, when one was declared.
   */
  UploadInterrupted: {
    readonly name: string;
    readonly upload: string;
    readonly from: number;
    readonly bytes: number;
    readonly held: number;
    readonly size?: number;
  };
  /**
   * The log's name (the origin of its C2SP checkpoints), given once, when the log is created or first
   * opened by a version that names logs; it never changes.
   */
  LogNamed: { readonly origin: string };
  /**
   * The checkpoint key changed (`ferry audit rotate-key`): checkpoints up to and including this event are
   * signed by the previous key (the one of exactly this size proves the change), later ones by the new.
   * Both keys as SubjectPublicKeyInfo PEM, with their ids.
   */
  SigningKeyRotated: {
    readonly previousKeyId: string;
    readonly previousPublicKey: string;
    readonly keyId: string;
    readonly publicKey: string;
  };
  /**
   * A witness refused the log's checkpoint of `size` (HTTP `status`, the witness's `reason`): it has
   * cosigned a checkpoint this one does not extend (a split view, or a log restored to an older state),
   * does not know this log or its key, or found the proof wrong. Recorded when a witness starts refusing,
   * not at every retry.
   */
  WitnessRefused: {
    readonly witness: string;
    readonly url: string;
    readonly size: number;
    readonly status: number;
    readonly reason: string;
  };
  /** A client asked where its upload continues (OFFSET): the bytes held for it. */
  UploadOffsetShown: { readonly upload: string; readonly name: string; readonly held: number };
  /** Held uploads no attempt continued within `hours` of their last interruption, and their bytes, dropped. */
  UploadsExpired: {
    readonly hours: number;
    readonly uploads: ReadonlyArray<{
      readonly actor: string;
      readonly upload: string;
      readonly name: string;
      readonly held: number;
    }>;
  };
  /** A new version whose bytes are those of an earlier one; also brings a deleted name back. */
  FileRestored: {
    readonly name: string;
    readonly version: number;
    readonly fromVersion: number;
    readonly sha256: string;
    readonly size: number;
    readonly requestId?: string;
  };
  /**
   * One live file moves to another name, atomically: `from` is no longer live (its versions stay in its
   * history), `to` gets a new `version` with the same bytes. `fromVersion` is `from`'s live version that
   * moved; the new version is the renamer's, as a restored one is the restorer's.
   */
  FileRenamed: {
    readonly from: string;
    readonly to: string;
    readonly version: number;
    readonly fromVersion: number;
    readonly sha256: string;
    readonly size: number;
    readonly requestId?: string;
  };
  /** An empty folder made explicitly (MKDIR); `path` ends with `/`. */
  FolderCreated: { readonly path: string };
  /** An explicit folder removed (RMDIR) while empty. */
  FolderRemoved: { readonly path: string };
  /** A retried request (same request id) answered with the result of its first execution. */
  RequestReplayed: { readonly command: string; readonly requestId: string; readonly originalSeq: number };
  FileDownloaded: {
    readonly name: string;
    readonly version: number;
    readonly sha256: string;
    /** The span of the file the client read, from `from` (0 when absent) up to and including its end. */
    readonly bytes: number;
    /** Whether that span reached the end of the file. */
    readonly complete: boolean;
    /** Where the span began, when not at 0 (a resumed download, SFTP `reget`). */
    readonly from?: number;
  };
  FileDeleted: { readonly name: string; readonly version: number; readonly requestId?: string };
  /** Blobs removed because no retained version needs them; `versions` says which versions lost their bytes. */
  GarbageCollected: {
    readonly retentionDays: number;
    readonly blobs: readonly string[];
    readonly versions: ReadonlyArray<{ readonly name: string; readonly version: number }>;
  };
  /**
   * The session now acts as `user`; every later event of it carries that actor. `key` is the fingerprint
   * of the public key it logged in with (SFTP); absent for a password.
   */
  LoginSucceeded: { readonly user: string; readonly role: Role; readonly key?: string };
  /** The name tried, never the password; `reason` is for auditors, the client hears only "login failed". */
  LoginFailed: { readonly user: string; readonly reason: LoginFailure };
  /** `passwordSet` says a password was given; its hash lives outside the log (docs/SECURITY.md). */
  UserAdded: {
    readonly user: string;
    readonly role: Role;
    readonly prefix?: string;
    readonly passwordSet: boolean;
  };
  UserRoleChanged: { readonly user: string; readonly role: Role };
  /** `prefix` null: no longer confined. */
  UserPrefixChanged: { readonly user: string; readonly prefix: string | null };
  UserPasswordChanged: { readonly user: string };
  UserDisabled: { readonly user: string };
  UserEnabled: { readonly user: string };
  /** A limit of null means none. */
  UserQuotaChanged: { readonly user: string; readonly bytes: number | null; readonly files: number | null };
  UsersListed: { readonly count: number };
  /** A public key `user` may log in with (SSH): the OpenSSH one-line form; public keys are no secret. */
  UserKeyAdded: { readonly user: string; readonly fingerprint: string; readonly key: string };
  UserKeyRemoved: { readonly user: string; readonly fingerprint: string };
  /** An admin read events over the wire. */
  AuditRead: { readonly after: number; readonly count: number };
  /** Too many failed logins from `address`; `ban` counts this address's bans in a row (the length doubles). */
  AddressBanned: {
    readonly address: string;
    readonly until: string;
    readonly failures: number;
    readonly ban: number;
  };
  AddressUnbanned: { readonly address: string };
  /** Connections turned away from one address during [`from`, `to`], counted rather than one event each. */
  ConnectionsRefused: {
    readonly address: string;
    readonly reason: ConnectionRefusal;
    readonly count: number;
    readonly from: string;
    readonly to: string;
  };
  CommandRejected: {
    readonly command: string;
    readonly name?: string;
    readonly code: ErrorCode;
    readonly message: string;
    /** A resumable upload refused at its end: the bytes held for it are dropped, its next attempt starts at 0. */
    readonly upload?: string;
  };
}

export type EventType = keyof EventPayloads;

/** An event as decided, before the log gives it a position, an id and a time. */
export type NewEvent = {
  [T in EventType]: { readonly type: T; readonly payload: EventPayloads[T] } & EventOrigin;
}[EventType];

/** An event as it stands in the log. */
export type FerryEvent = {
  [T in EventType]: {
    readonly seq: number;
    readonly id: string;
    readonly type: T;
    readonly at: string;
    readonly payload: EventPayloads[T];
  } & EventOrigin;
}[EventType];

export type NewEventOf<T extends EventType> = Extract<NewEvent, { type: T }>;

export type EventOf<T extends EventType> = Extract<FerryEvent, { type: T }>;

export const EVENT_TYPES: readonly EventType[] = [
  'SessionOpened',
  'SessionClosed',
  'HelpShown',
  'FilesListed',
  'FileStatShown',
  'FolderStatShown',
  'HistoryShown',
  'FileUploaded',
  'UploadInterrupted',
  'UploadOffsetShown',
  'UploadsExpired',
  'LogNamed',
  'SigningKeyRotated',
  'WitnessRefused',
  'FileRestored',
  'FileRenamed',
  'FolderCreated',
  'FolderRemoved',
  'RequestReplayed',
  'FileDownloaded',
  'FileDeleted',
  'GarbageCollected',
  'LoginSucceeded',
  'LoginFailed',
  'UserAdded',
  'UserRoleChanged',
  'UserPrefixChanged',
  'UserPasswordChanged',
  'UserDisabled',
  'UserEnabled',
  'UserQuotaChanged',
  'UsersListed',
  'UserKeyAdded',
  'UserKeyRemoved',
  'AuditRead',
  'AddressBanned',
  'AddressUnbanned',
  'ConnectionsRefused',
  'CommandRejected',
];
