import { StoredFile } from '../transport/client/ferry-client';
import { FerryError } from '../transport/client/ferry-error';
import { formatBytes } from './format';
import { jsonLines } from './output';
import { EXIT } from './report-error';

/** Which items of an ordered run are finished, kept in memory bounded by the window, not the run. */
export class FinishedItems {
  private below = 0;
  private readonly above = new Set<number>();

  add(index: number): void {
    this.above.add(index);
    while (this.above.delete(this.below)) this.below++;
  }

  has(index: number): boolean {
    return index < this.below || this.above.has(index);
  }
}

/**
 * The outcome of a tree transfer, file by file: with `--json` one line per file as it ends; at the end a
 * summary, and every failure again on stderr, so nothing goes wrong unnoticed.
 */
export class TreeReport {
  private files = 0;
  private bytes = 0;
  private readonly failures: string[] = [];

  constructor(private readonly json: boolean | undefined) {}

  done(name: string, local: string, file: StoredFile): void {
    this.files++;
    this.bytes += file.size;
    if (this.json) process.stdout.write(jsonLines([{ ...file, name, local }]));
  }

  failed(name: string, local: string, error: unknown): void {
    const code = error instanceof FerryError ? error.code : 'LOCAL';
    const message = error instanceof Error ? error.message : String(error);
    this.failures.push(`${name}: ${message} (${code})`);
    if (this.json) process.stdout.write(jsonLines([{ name, local, error: { code, message } }]));
  }

  /** Prints the summary; the exit code says whether every file made it. */
  finish(verb: string): number {
    if (!this.json) {
      process.stdout.write(
        `${verb} ${this.files} ${this.files === 1 ? 'file' : 'files'}, ${formatBytes(this.bytes)}\n`,
      );
    }
    if (this.failures.length === 0) return EXIT.ok;
    process.stderr.write(`ferry: ${this.failures.length} failed:\n`);
    for (const failure of this.failures) process.stderr.write(`  ${failure}\n`);
    return EXIT.refused;
  }
}
