/** What one upload may take; every field is an operator setting (docs/SECURITY.md). */
export interface UploadLimits {
  /** Larger uploads are refused before a byte is stored. */
  readonly maxFileSize: number;
  /** Free space on the data folder's file system that uploads must leave untouched. */
  readonly spaceReserve: number;
  /** An interrupted resumable upload's bytes are kept this long after its last attempt, then dropped. */
  readonly heldHours: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxFileSize: 64 * 1024 ** 3,
  spaceReserve: 256 * 1024 ** 2,
  heldHours: 24,
};
