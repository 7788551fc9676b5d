import { AccountsReader } from '../accounts';
import { BansReader } from '../address-bans';
import { FileVersion, HistoryEntry, Usage } from '../file-versions';
import { FerryEvent } from '../events';
import { HeldUploadsReader } from '../held-uploads';
import { Outcome } from '../request-memory';

/** Where a page of a listing starts and how long it may be. */
export interface PageRequest {
  /** Only names strictly after this one (in JavaScript string order): the last name of the previous page. */
  readonly after?: string;
  /** At most this many files (a whole number); a page shorter than this is the last one. */
  readonly limit: number;
}

/** What decisions read: each question touches one name, one actor or one blob. */
export interface CatalogueReader {
  /** The live version of a name, if it exists now. */
  live(name: string): FileVersion | undefined;
  version(name: string, version: number): FileVersion | undefined;
  /** The highest version number ever given to a name; 0 if it never existed. */
  latestVersion(name: string): number;
  /** Uploads, restores and deletions of one name, in log order. */
  history(name: string): HistoryEntry[];
  /** The live files, and their bytes, whose live version `actor` wrote. */
  usage(actor: string): Usage;
  /** Whether some live name starts with `prefix` (a folder `a/` exists while one does). */
  hasLiveUnder(prefix: string): boolean;
  /** Whether `path` (ending with `/`) was made a folder by `FolderCreated` and not removed since. */
  explicitFolder(path: string): boolean;
  /**
   * One page of the explicit folders whose path starts with `prefix`, in path order (JavaScript string
   * order, as names): what a listing adds to the folders its live names imply, so empty ones show.
   */
  listFolders(prefix: string, page: PageRequest): string[];
  /** Whether garbage collection removed these bytes (a later upload of the same content brings them back). */
  isCollected(sha256: string): boolean;
  /** What a request with this id from this actor already did, while it is remembered. */
  outcomeOf(actor: string, requestId: string): Outcome | undefined;
  readonly accounts: AccountsReader;
  readonly bans: BansReader;
  readonly heldUploads: HeldUploadsReader;
}

/** A version with, once it stopped being live, when: what garbage collection and verification weigh. */
export interface StoredVersion extends FileVersion {
  /** The time of the upload, restore or delete that ended it; absent while it is live. */
  readonly endedAt?: string;
}

/**
 * The catalogue projection, written in the same commit as the events it folds (an inline projection).
 * Every read touches only what it returns (by index); nothing loads the whole catalogue. Every adapter
 * answers exactly what `Catalogue` (the in-memory one) answers after the same events: names compare as
 * JavaScript strings compare (UTF-16 code units).
 *
 * The read side is synchronous, which fits SQLite (better-sqlite3) and lets `decide` stay a synchronous
 * function; an adapter over an asynchronous client (PostgreSQL) needs the handlers to load the state of
 * the names a decision touches first.
 */
export interface CatalogueStore extends CatalogueReader {
  /** The seq of the last event folded in; 0 for an empty projection. */
  position(): number;
  /** One page of the live files whose name starts with `prefix`, in name order. */
  list(prefix: string, page: PageRequest): FileVersion[];
  /** One page of the files that were live just after event `seq`, whose name starts with `prefix`. */
  listAt(prefix: string, seq: number, page: PageRequest): FileVersion[];
  /** Every version of every name, in no particular order, read as it is iterated. */
  allVersions(): Iterable<StoredVersion>;
  /**
   * Folds events, in order, each after `position()`. All or none: the caller runs it inside the transaction
   * that appends the same events to the log, so the log and the projection never disagree.
   */
  fold(events: readonly FerryEvent[]): void;
}
