import { Command, Option } from 'commander';
import { loadApplication } from '../lazy-app';
import { DEFAULT_CONFIG } from '../../app/config';
import { EventType, FerryEvent } from '../../domain/events';
import { EventBound, EventFilter, EventQuery } from '../../domain/ports/event-query.port';
import { collectTypes, parseBound, parseLimit, parseName, parseSession } from '../audit-options';
import { auditTable } from '../audit-table';
import { reportError } from '../report-error';

/** Events read per query, so a long log streams out in bounded pieces. */
const PAGE_SIZE = 500;
const FOLLOW_POLL_MS = 250;

interface AuditListOptions {
  readonly data?: string;
  readonly since?: EventBound;
  readonly until?: EventBound;
  readonly actor?: string;
  readonly name?: string;
  readonly type?: EventType[];
  readonly session?: string;
  readonly json?: boolean;
  readonly follow?: boolean;
  readonly limit?: number;
}

type Print = (events: readonly FerryEvent[]) => Promise<void>;

/** `ferry audit [filters]`: lists events from a data folder's log, opened read-only. */
export function registerAuditList(audit: Command): void {
  // Options of `audit` itself are read only before a subcommand's name, so `ferry audit <sub> --data x`
  // still hands --data to the subcommand.
  audit.enablePositionalOptions();
  // The audit group may already carry --data for its other subcommands; one flag serves both.
  if (!audit.options.some((option) => option.long === '--data')) {
    audit.addOption(
      new Option('--data <dir>', 'data folder holding audit.db')
        .env('FERRY_DATA')
        .default(DEFAULT_CONFIG.dataDir),
    );
  }
  audit
    .option('--since <seq|time>', 'events from this seq or ISO 8601 time on (inclusive)', parseBound)
    .option('--until <seq|time>', 'events before this seq or ISO 8601 time (exclusive)', parseBound)
    .option('--actor <actor>', 'only events by this actor')
    .option('--name <name>', 'only events about exactly this file name', parseName)
    .option('--type <types>', 'only these event types (repeat or separate with commas)', collectTypes)
    .option('--session <id>', 'only this session; its first characters are enough', parseSession)
    .option('--json', 'one JSON object per event and line, as stored')
    .option('--follow', 'then keep printing new matching events until interrupted')
    .option('--limit <n>', 'only the newest n matching events', parseLimit)
    .addHelpText(
      'after',
      '\nTimes without a zone are UTC. A value of digits only is an event seq.\n' +
        'Examples:\n' +
        '  ferry audit --type SessionOpened          who connected, from where\n' +
        '  ferry audit --name report.pdf --json      everything that happened to one file\n' +
        '  ferry audit --since 2024-05-01 --until 2024-05-02 --type CommandRejected\n' +
        '  ferry audit --limit 20 --follow           like tail -f',
    )
    .action(async (options: AuditListOptions) => {
      let query: EventQuery;
      const { openEventQuery } = await loadApplication();
      try {
        query = openEventQuery(options.data ?? DEFAULT_CONFIG.dataDir);
      } catch (error) {
        process.exitCode = reportError(error);
        return;
      }
      try {
        const table = auditTable(query.lastSeq());
        const print: Print = options.json
          ? (events) => write(events.map((event) => `${JSON.stringify(event)}\n`).join(''))
          : (events) => write(table.format(events));
        await listEvents(query, filterOf(options), options, print);
      } catch (error) {
        process.exitCode = reportError(error);
      } finally {
        query.close();
      }
    });
}

function filterOf(options: AuditListOptions): EventFilter {
  return {
    since: options.since,
    until: options.until,
    types: options.type,
    actor: options.actor,
    sessionPrefix: options.session,
    name: options.name,
  };
}

/** Prints what matches now; with --follow, polls for newer events until SIGINT or SIGTERM. */
async function listEvents(
  query: EventQuery,
  filter: EventFilter,
  options: AuditListOptions,
  print: Print,
): Promise<void> {
  const stop = stopper(options.follow === true);
  try {
    let cursor: number;
    if (options.limit !== undefined) {
      const head = query.lastSeq();
      await print(query.latest(filter, { afterSeq: 0, throughSeq: head }, options.limit));
      cursor = head;
    } else {
      cursor = await printThrough(query, filter, 0, query.lastSeq(), print, stop);
    }
    while (options.follow && !stop.stopped) {
      await stop.sleep(FOLLOW_POLL_MS);
      if (!stop.stopped) cursor = await printThrough(query, filter, cursor, query.lastSeq(), print, stop);
    }
  } finally {
    stop.dispose();
  }
}

/**
 * Prints matches in (afterSeq, throughSeq] page by page and returns throughSeq. The cursor moves past
 * every event looked at, matching or not, so a narrow filter does not rescan the log at each poll.
 */
async function printThrough(
  query: EventQuery,
  filter: EventFilter,
  afterSeq: number,
  throughSeq: number,
  print: Print,
  stop: Stopper,
): Promise<number> {
  let cursor = afterSeq;
  while (cursor < throughSeq && !stop.stopped) {
    const events = query.find(filter, { afterSeq: cursor, throughSeq }, PAGE_SIZE);
    await print(events);
    if (events.length < PAGE_SIZE) break;
    cursor = events[events.length - 1].seq;
  }
  return Math.max(afterSeq, throughSeq);
}

interface Stopper {
  readonly stopped: boolean;
  sleep(ms: number): Promise<void>;
  dispose(): void;
}

/**
 * Ends the listing cleanly when the reader goes away (`ferry audit | head` closes the pipe) and, when
 * following, on SIGINT or SIGTERM: the poll ends, the log is closed and the exit code is 0.
 */
function stopper(onSignals: boolean): Stopper {
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  const signals: NodeJS.Signals[] = onSignals ? ['SIGINT', 'SIGTERM'] : [];
  for (const signal of signals) process.on(signal, stop);
  // Left in place by dispose(): an EPIPE reported after the last write must not crash a finished listing.
  process.stdout.on('error', stop);
  return {
    get stopped() {
      return stopped;
    },
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    dispose: () => {
      for (const signal of signals) process.off(signal, stop);
    },
  };
}

/** Writes with backpressure: waits for the pipe to drain rather than buffering a long log in memory. */
async function write(text: string): Promise<void> {
  if (text === '' || process.stdout.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      resolve();
    };
    process.stdout.on('drain', done);
    process.stdout.on('error', done);
  });
}
