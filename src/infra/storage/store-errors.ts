import { StoreError } from '../../domain/ports/file-store.port';

/** The file system's and SQLite's ways of saying there is no room left. */
const NO_ROOM = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

export function isNoRoom(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && NO_ROOM.has(code);
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** A library's failure as the store's own, so nothing above the port sees a library's error. */
export function asStoreError(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(isMissing(error) ? 'not-found' : isNoRoom(error) ? 'full' : 'io', message);
}

export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw asStoreError(error);
  }
}

export function guardSync<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    throw asStoreError(error);
  }
}
