import { statfsSync } from 'node:fs';
import { FreeSpace } from '../../domain/ports/free-space.port';

/** The space left to unprivileged users on the file system that holds `dir`. */
export class FileSystemFreeSpace implements FreeSpace {
  constructor(private readonly dir: string) {}

  /**
   * Blocking: statfs reads the file system's counters, not the disk, so it takes microseconds, where a
   * trip to the thread pool costs more, and ends the turn of the event loop. Uploads that arrived together
   * then stay in one turn, and their events in one commit.
   */
  async available(): Promise<number | undefined> {
    const stats = statfsSync(this.dir);
    return stats.bavail * stats.bsize;
  }
}
