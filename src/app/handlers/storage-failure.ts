import { DomainError, domainError } from '../../domain/errors';
import { StoreError } from '../../domain/ports/file-store.port';

/**
 * What the client (and the log) is told when the file store fails while `doing` something: full, so
 * worth trying again once there is room, or failed. The store's own message stays in the server's log:
 * it names paths on the server.
 */
export function storageFailure(error: unknown, doing: string): DomainError {
  if (error instanceof StoreError && error.kind === 'full') {
    return domainError('STORAGE_FULL', `storage is full: no room left while ${doing}`);
  }
  return domainError('STORAGE_FAILED', `storage failed while ${doing}`);
}
