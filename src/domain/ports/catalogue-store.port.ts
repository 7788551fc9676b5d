import { FileVersion, HistoryEntry, Usage } from '../catalogue';
import { FerryEvent } from '../events';
import { Outcome } from '../request-memory';

/** Where a page of a listing starts and how long it may be. */
export interface PageRequest {
  /** Only names strictly after this one (in JavaScript string order): the last name of the previous page. */
  readonly after?: string;
  /** At most this many files; a page shorter than this is the last one. */
  readonly limit: number;
}

/**
 * The catalogue projection kept outside the heap, in indexed storage written in the same commit as the
 * events it folds (an inline projection). Every read touches only what it returns (by index); nothing
 * loads the whole catalogue. Reads answer exactly what `Catalogue` answers after the same events, in the
 * same order: names compare as JavaScript strings compare (UTF-16 code units).
 *
 * Accounts and address bans are not part of this port yet: their events advance `position()` but are
 * otherwise ignored here, and they stay folded in memory (`Accounts`, `AddressBans`) until they get
 * their own tables.
 *
 * The read side is synchronous, which fits SQLite (better-sqlite3) and lets `decide` stay a synchronous
 * function; an adapter over an asynchronous client (PostgreSQL) needs the handlers to load the state of
 * the names a decision touches first.
 */
export interface CatalogueStore {
  /** The seq of the last event folded in; 0 for an empty projection. */
  position(): number;
  /** The live version of a name, if it exists now. */
  live(name: string): FileVersion | undefined;
  version(name: string, version: number): FileVersion | undefined;
  /** The highest version number ever given to a name; 0 if it never existed. */
  latestVersion(name: string): number;
  /** Uploads, restores and deletions of one name, in log order. */
  history(name: string): HistoryEntry[];
  /** One page of the live files whose name starts with `prefix`, in name order. */
  list(prefix: string, page: PageRequest): FileVersion[];
  /** One page of the files that were live just after event `seq`, whose name starts with `prefix`. */
  listAt(prefix: string, seq: number, page: PageRequest): FileVersion[];
  /** The live files, and their bytes, whose live version `actor` wrote. */
  usage(actor: string): Usage;
  /** Whether garbage collection removed these bytes (a later upload of the same content brings them back). */
  isCollected(sha256: string): boolean;
  /** What a request with this id from this actor already did, while it is remembered. */
  outcomeOf(actor: string, requestId: string): Outcome | undefined;
  /**
   * Folds events, in order, each after `position()`. All or none: the caller runs it inside the transaction
   * that appends the same events to the log, so the log and the projection never disagree.
   */
  apply(events: readonly FerryEvent[]): void;
}
