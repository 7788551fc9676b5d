import { inject, injectable } from 'inversify';
import { Result, ok } from '../../domain/errors';
import { EventOf, EventOrigin } from '../../domain/events';
import { decideCreateFolder, decideRemoveFolder, FolderPath } from '../../domain/folders';
import { PageRequest } from '../../domain/ports/catalogue-store.port';
import { confinePrefix } from '../../domain/authorization';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';

/**
 * Folders for transports that have them (SFTP): MKDIR and RMDIR of empty folders, each one event, and the
 * reads a directory listing needs. Paths come parsed (`parseFolderPath`): they end with `/`.
 *
 * `list` records no event of its own: it is part of a listing that the transport records through
 * ListFiles. Whether a folder exists is a STAT: StatFile.path.
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
