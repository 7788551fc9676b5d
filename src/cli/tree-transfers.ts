import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, relative as relativePath, resolve, sep } from 'node:path';
import { FerryClient } from '../transport/client/ferry-client';
import { isConnectionLost } from '../transport/client/ferry-error';
import { LoginFlags } from './login-options';
import { getFile } from './get-file';
import { walkTree } from './file-trees';
import { inWindow } from './in-window';
import { FileProgress, Progress, progressBar } from './progress';
import { putFile } from './put-file';
import { ServerFlags } from './server-option';
import { FinishedItems, TreeReport } from './tree-report';
import { TRANSFER_RETRY_DELAYS_MS, withClient } from './with-client';

/** Files in flight at once over the one connection: enough to keep it busy with small files. */
const WINDOW = 16;

export type TreeOptions = ServerFlags & LoginFlags & { readonly json?: boolean; readonly quiet?: boolean };

/**
 * A local folder put under `prefix`, every regular file by its path relative to the folder, pipelined over
 * one connection. A dropped connection is retried, continuing every file where it stopped and skipping
 * those finished; a file refused, or that could not be read, is reported at the end and the exit code
 * says so.
 */
export async function putTree(options: TreeOptions, root: string, prefix: string): Promise<void> {
  const progress = progressBar(`put ${prefix}`, options.quiet);
  // A walk of its own, before the transfer, only to give the bar its totals.
  if (progress.visible)
    for await (const entry of walkTree(root)) if ('size' in entry) progress.grow(entry.size, 1);
  const report = new TreeReport(options.json);
  const run = new TreeRun(progress);
  const runId = randomUUID();
  await withClient(
    options,
    (client) =>
      inWindow(numbered(walkTree(root)), WINDOW, ([index, entry]) =>
        run.file(index, async (progressOf) => {
          const name = prefix + entry.relative;
          const local = join(root, entry.relative);
          if ('problem' in entry) return report.failed(name, local, new Error(entry.problem));
          try {
            const stored = await putFile(client, {
              local,
              target: name,
              requestId: `${runId}-${index}`,
              progress: progressOf(),
            });
            report.done(name, local, stored);
          } catch (error) {
            if (isConnectionLost(error)) throw error;
            report.failed(name, local, error);
          }
        }),
      ),
    undefined,
    TRANSFER_RETRY_DELAYS_MS,
  );
  progress.stop();
  process.exitCode ||= report.finish('put');
}

/**
 * Every live file under `prefix` mirrored into the folder `into`, by its name relative to the prefix,
 * pipelined over one connection; retried and reported as `putTree` is.
 */
export async function getTree(options: TreeOptions, prefix: string, into: string): Promise<void> {
  const progress = progressBar(`get ${prefix}`, options.quiet);
  const report = new TreeReport(options.json);
  const run = new TreeRun(progress);
  const root = resolve(into);
  await withClient(
    options,
    (client) =>
      inWindow(numbered(listed(client, prefix)), WINDOW, ([index, file]) =>
        run.file(index, async (progressOf) => {
          const target = resolve(root, file.name.slice(prefix.length));
          if (!target.startsWith(root + sep)) {
            return report.failed(file.name, target, new Error('the name would land outside the folder'));
          }
          try {
            // Blocking, as readWholeFile reads: a thread-pool trip per file would cost more than the call.
            mkdirSync(dirname(target), { recursive: true });
            const got = await getFile(client, {
              name: file.name,
              target,
              version: file.version,
              size: file.size,
              progress: progressOf(file.size),
              tidy: false,
            });
            report.done(file.name, relativePath(process.cwd(), target) || target, got);
          } catch (error) {
            if (isConnectionLost(error)) throw error;
            report.failed(file.name, target, error);
          }
        }),
      ),
    undefined,
    TRANSFER_RETRY_DELAYS_MS,
  );
  progress.stop();
  process.exitCode ||= report.finish('got');
}

/**
 * The files of one run across its retries: one finished in an earlier attempt is skipped, and one still
 * in flight keeps its progress, so a retry neither repeats nor double-counts.
 */
class TreeRun {
  private readonly finished = new FinishedItems();
  private readonly inFlight = new Map<number, FileProgress>();
  private readonly counted = new FinishedItems();

  constructor(private readonly progress: Progress) {}

  async file(
    index: number,
    work: (progressOf: (size?: number) => FileProgress) => Promise<void>,
  ): Promise<void> {
    if (this.finished.has(index)) return;
    const progressOf = (size?: number) => {
      if (size !== undefined && !this.counted.has(index)) this.progress.grow(size, 1);
      this.counted.add(index);
      const tracker = this.inFlight.get(index) ?? this.progress.file(true);
      this.inFlight.set(index, tracker);
      return tracker;
    };
    await work(progressOf);
    this.inFlight.delete(index);
    this.finished.add(index);
    this.progress.fileDone();
  }
}

async function* numbered<T>(items: AsyncIterable<T>): AsyncIterable<[number, T]> {
  let index = 0;
  for await (const item of items) yield [index++, item];
}

async function* listed(client: FerryClient, prefix: string) {
  for await (const page of client.listPages(prefix)) yield* page;
}
