/** How many bytes the storage can still take; undefined when it cannot tell (or has no such limit). */
export interface FreeSpace {
  available(): Promise<number | undefined>;
}
