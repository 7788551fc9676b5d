import { Command, Option } from 'commander';
import { rebuildCatalogue, RebuildToolkit } from '../../app/admin/rebuild-catalogue';
import { loadApplication } from '../lazy-app';
import { DEFAULT_CONFIG } from '../../app/config';
import { EXIT, reportError } from '../report-error';

interface RebuildOptions {
  readonly data: string;
}

/** Progress at most once a second, so a long rebuild neither floods a log nor looks stuck. */
const PROGRESS_INTERVAL_MS = 1000;

/** `ferry admin ...`: maintenance of a data folder, with the server stopped (the folder is locked). */
export function registerAdmin(program: Command): void {
  const admin = program.command('admin').description('maintain a data folder (run with the server stopped)');

  admin
    .command('rebuild')
    .description('empty the catalogue tables and fold the whole audit log into them again')
    .addOption(new Option('--data <dir>', 'data folder').env('FERRY_DATA').default(DEFAULT_CONFIG.dataDir))
    .action(async (options: RebuildOptions) => {
      process.exitCode = await rebuild(options.data);
    });
}

async function rebuild(dataDir: string): Promise<number> {
  let toolkit: RebuildToolkit;
  const { openCatalogueRebuild } = await loadApplication();
  try {
    toolkit = openCatalogueRebuild(dataDir);
  } catch (error) {
    return reportError(error);
  }
  try {
    const report = await rebuildCatalogue(toolkit, progressLines());
    const seconds = (report.elapsedMs / 1000).toFixed(1);
    process.stdout.write(`rebuilt the catalogue: folded ${report.folded} events in ${seconds} s\n`);
    return EXIT.ok;
  } catch (error) {
    return reportError(error);
  } finally {
    await toolkit.close();
  }
}

function progressLines(): (folded: number, total: number) => void {
  let last = 0;
  return (folded, total) => {
    const now = Date.now();
    if (folded < total && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    const percent = total === 0 ? 100 : Math.floor((folded / total) * 100);
    process.stderr.write(`folded ${folded} of ${total} events (${percent}%)\n`);
  };
}
