/** What the catalogue says of files: versions, deletions, history and usage. */

/** One stored version of a name: immutable once recorded. */
export interface FileVersion {
  readonly name: string;
  readonly version: number;
  readonly sha256: string;
  readonly size: number;
  readonly at: string;
  readonly actor: string;
  readonly seq: number;
  /** Set when this version was made by RESTORE from an earlier one. */
  readonly restoredFrom?: number;
  /** Set when this version was made by RENAME: the old name, and its version whose bytes moved here. */
  readonly renamedFrom?: RenameSource;
}

export interface RenameSource {
  readonly name: string;
  readonly version: number;
}

/** The end of a name's live version without a new one: a DELETE, or a RENAME away (`renamedTo` set). */
export interface Deletion {
  readonly name: string;
  readonly version: number;
  readonly at: string;
  readonly actor: string;
  readonly seq: number;
  /** Set when the version left by RENAME: the name it now lives under. */
  readonly renamedTo?: string;
}

/**
 * One line of a name's history. `renamed-from` is the new version a RENAME made under this name (its file
 * says where from); `renamed-to` ends this name's live version because it moved to another name.
 */
export type HistoryEntry =
  | { readonly kind: 'uploaded' | 'restored' | 'renamed-from'; readonly file: FileVersion }
  | { readonly kind: 'deleted' | 'renamed-to'; readonly deletion: Deletion };

export type HistoryKind = HistoryEntry['kind'];

/** The event that made the entry: its seq and time. */
export function entryEvent(entry: HistoryEntry): { readonly seq: number; readonly at: string } {
  return 'deletion' in entry ? entry.deletion : entry.file;
}

/** The version an entry made live, or undefined when it left the name without one. */
export function entryFile(entry: HistoryEntry): FileVersion | undefined {
  return 'file' in entry ? entry.file : undefined;
}

/** Live files and their bytes, as quotas count them. */
export interface Usage {
  readonly files: number;
  readonly bytes: number;
}

export const NO_USAGE: Usage = { files: 0, bytes: 0 };
