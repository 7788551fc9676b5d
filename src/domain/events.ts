import { ErrorCode } from './errors';

/** Who did something, from where, in which session: the part of every event that answers "who". */
export interface EventOrigin {
  readonly actor: string;
  readonly session: string;
  readonly remote: string;
}

export type SessionCloseReason = 'logout' | 'disconnect' | 'protocol-error' | 'idle' | 'shutdown';

export interface EventPayloads {
  SessionOpened: { readonly protocol: number };
  SessionClosed: { readonly reason: SessionCloseReason };
  HelpShown: Record<string, never>;
  /** `at` is set when the listing was of a past moment (an event seq or an ISO time, as asked). */
  FilesListed: { readonly prefix: string; readonly count: number; readonly at?: string };
  FileStatShown: { readonly name: string; readonly version: number };
  HistoryShown: { readonly name: string; readonly count: number };
  FileUploaded: {
    readonly name: string;
    readonly version: number;
    readonly sha256: string;
    readonly size: number;
    readonly requestId?: string;
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
  /** A retried request (same request id) answered with the result of its first execution. */
  RequestReplayed: { readonly command: string; readonly requestId: string; readonly originalSeq: number };
  FileDownloaded: {
    readonly name: string;
    readonly version: number;
    readonly sha256: string;
    readonly bytes: number;
    readonly complete: boolean;
  };
  FileDeleted: { readonly name: string; readonly version: number; readonly requestId?: string };
  /** Blobs removed because no retained version needs them; `versions` says which versions lost their bytes. */
  GarbageCollected: {
    readonly retentionDays: number;
    readonly blobs: readonly string[];
    readonly versions: ReadonlyArray<{ readonly name: string; readonly version: number }>;
  };
  CommandRejected: {
    readonly command: string;
    readonly name?: string;
    readonly code: ErrorCode;
    readonly message: string;
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
  'HistoryShown',
  'FileUploaded',
  'FileRestored',
  'RequestReplayed',
  'FileDownloaded',
  'FileDeleted',
  'GarbageCollected',
  'CommandRejected',
];
