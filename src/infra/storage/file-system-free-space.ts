import { statfs } from 'node:fs/promises';
import { FreeSpace } from '../../domain/ports/free-space.port';

/** The space left to unprivileged users on the file system that holds `dir`. */
export class FileSystemFreeSpace implements FreeSpace {
  constructor(private readonly dir: string) {}

  async available(): Promise<number | undefined> {
    const stats = await statfs(this.dir);
    return stats.bavail * stats.bsize;
  }
}
