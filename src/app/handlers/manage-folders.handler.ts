import { inject, injectable } from 'inversify';
import { Result, ok } from '../../domain/errors';
import { EventOf, EventOrigin } from '../../domain/events';
import { decideCreateFolder, decideRemoveFolder, folderExists, FolderPath } from '../../domain/folders';
import { PageRequest } from '../../domain/ports/catalogue-store.port';
import { confinePrefix } from '../../domain/authorization';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';

/**
 * Folders for transports that have them (SFTP): MKDIR and RMDIR of empty folders, each one event, and the
 * reads a directory listing needs. Paths come parsed (`parseFolderPath`): they end with `/`.
 *
 * `exists` and `list` record no event of their own: they are part of a STAT or a listing that the
 * transport records through StatFile or ListFiles.
 */
@injectable()
export class ManageFolders {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(AccessGuard) private readonly access: AccessGuard,
  ) {}

  async create(origin: EventOrigin, path: FolderPath): Promise<Result<EventOf<'FolderCreated'>>> {
    const allowed = this.access.check(origin, 'write', 'MKDIR', path);
    if (!allowed.ok) return allowed;
    const decision = decideCreateFolder(path, this.ledger.catalogue);
    if (!decision.ok) {
      this.ledger.reject(origin, 'MKDIR', decision.error, path);
      return decision;
    }
    return ok(
      this.ledger.record<'FolderCreated'>({ ...origin, type: 'FolderCreated', payload: decision.value }),
    );
  }

  async remove(origin: EventOrigin, path: FolderPath): Promise<Result<EventOf<'FolderRemoved'>>> {
    const allowed = this.access.check(origin, 'write', 'RMDIR', path);
    if (!allowed.ok) return allowed;
    const decision = decideRemoveFolder(path, this.ledger.catalogue);
    if (!decision.ok) {
      this.ledger.reject(origin, 'RMDIR', decision.error, path);
      return decision;
    }
    return ok(
      this.ledger.record<'FolderRemoved'>({ ...origin, type: 'FolderRemoved', payload: decision.value }),
    );
  }

  /**
   * Whether the folder exists (explicitly, or because a live name lies under it), for a caller with the
   * read role whose home holds it or lies under it; otherwise the refusal (recorded, as for any command).
   */
  exists(origin: EventOrigin, path: FolderPath): Result<boolean> {
    const rights = this.access.check(origin, 'read', 'STAT');
    if (!rights.ok) return rights;
    const home = rights.value.prefix;
    // One's home, and the folders above it, exist for one's client to walk down to it; other folders
    // outside the home do not exist for the caller.
    if (home !== undefined && home.startsWith(path)) return ok(true);
    if (home !== undefined && !path.startsWith(home)) return ok(false);
    return ok(folderExists(this.ledger.catalogue, path));
  }

  /** One page of the explicit folders under `prefix` (narrowed to the caller's home), in path order. */
  list(origin: EventOrigin, prefix: string, page: PageRequest): Result<string[]> {
    const rights = this.access.check(origin, 'read', 'LIST');
    if (!rights.ok) return rights;
    const confined = confinePrefix(rights.value, prefix);
    if (!confined.ok) {
      this.ledger.reject(origin, 'LIST', confined.error, prefix);
      return confined;
    }
    return ok(this.ledger.catalogue.listFolders(confined.value, page));
  }
}
