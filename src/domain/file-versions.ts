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
}

export interface Deletion {
  readonly name: string;
  readonly version: number;
  readonly at: string;
  readonly actor: string;
  readonly seq: number;
}

export type HistoryEntry =
  | { readonly kind: 'uploaded' | 'restored'; readonly file: FileVersion }
  | { readonly kind: 'deleted'; readonly deletion: Deletion };

/** Live files and their bytes, as quotas count them. */
export interface Usage {
  readonly files: number;
  readonly bytes: number;
}

export const NO_USAGE: Usage = { files: 0, bytes: 0 };
