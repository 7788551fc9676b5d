import { inject, injectable } from 'inversify';
import { FileVersion } from '../../domain/file-versions';
import { ok, Result } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { folderExists, FolderPath, parseFolderPath } from '../../domain/folders';
import { HeldUpload, heldToContinue } from '../../domain/held-uploads';
import { resolveStat } from '../../domain/queries';
import { AccessGuard } from '../access-guard';
import { Ledger } from '../ledger';

/**
 * What a path names in a tree of folders: a file (its live version), a folder, or, to the client that
 * is resuming it, the bytes held for an interrupted upload of that name.
 */
export type PathStat =
  { readonly file: FileVersion } | { readonly folder: FolderPath } | { readonly held: HeldUpload };

@injectable()
export class StatFile {
  constructor(
    @inject(Ledger) private readonly ledger: Ledger,
    @inject(AccessGuard) private readonly access: AccessGuard,
  ) {}

  async execute(origin: EventOrigin, name: string): Promise<Result<FileVersion>> {
    const allowed = this.access.check(origin, 'read', 'STAT', name);
    if (!allowed.ok) return allowed;
    const result = resolveStat(this.ledger.catalogue, name);
    if (!result.ok) {
      this.ledger.reject(origin, 'STAT', result.error, name);
      return result;
    }
    this.fileShown(origin, result.value);
    return result;
  }

  /**
   * STAT in a tree of folders (SFTP): the live file of that name, else the folder of that path (made
   * explicitly, or holding a live name). One event either way: FileStatShown, FolderStatShown, or the
   * refusal. `heldUpload`: the id under which the transport holds this actor's uploads of this name; held
   * bytes newer than the live version are what the STAT gives, so that a client resuming (SFTP `reput`)
   * sends only the rest.
   */
  async path(origin: EventOrigin, name: string, heldUpload?: string): Promise<Result<PathStat>> {
    const folder = parseFolderPath(name);
    const rights = this.access.rights(origin);
    // One's home, and the folders above it, exist for one's client to walk down to it.
    const home = rights.ok ? rights.value.prefix : undefined;
    if (folder.ok && home?.startsWith(folder.value)) return this.folderShown(origin, folder.value);
    const allowed = this.access.check(origin, 'read', 'STAT', name);
    if (!allowed.ok) return allowed;
    const catalogue = this.ledger.catalogue;
    const live = catalogue.live(name);
    const held =
      heldUpload === undefined
        ? undefined
        : heldToContinue(catalogue.heldUploads, live, origin.actor, heldUpload, name);
    if (held) {
      const payload = { name, version: live?.version ?? 0, held: held.held };
      this.ledger.record<'FileStatShown'>({ ...origin, type: 'FileStatShown', payload });
      return ok({ held });
    }
    const file = resolveStat(catalogue, name);
    if (file.ok) {
      this.fileShown(origin, file.value);
      return ok({ file: file.value });
    }
    if (folder.ok && folderExists(this.ledger.catalogue, folder.value)) {
      return this.folderShown(origin, folder.value);
    }
    this.ledger.reject(origin, 'STAT', file.error, name);
    return file;
  }

  private fileShown(origin: EventOrigin, file: FileVersion): void {
    const payload = { name: file.name, version: file.version };
    this.ledger.record<'FileStatShown'>({ ...origin, type: 'FileStatShown', payload });
  }

  private folderShown(origin: EventOrigin, folder: FolderPath): Result<PathStat> {
    this.ledger.record<'FolderStatShown'>({ ...origin, type: 'FolderStatShown', payload: { path: folder } });
    return ok({ folder });
  }
}
