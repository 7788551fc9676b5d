import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { FerryEvent } from '../../domain/events';
import {
  EventBound,
  EventFilter,
  EventQuery,
  EventQueryError,
  SeqWindow,
} from '../../domain/ports/event-query.port';

type Params = Record<string, string | number>;

interface Where {
  readonly clauses: string[];
  readonly params: Params;
}

/**
 * The audit log opened read-only: the connection cannot write, and WAL lets it read while a server
 * appends. Filters become WHERE clauses chosen from fixed fragments; every value is a bound parameter.
 */
export class SqliteEventQuery implements EventQuery {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly file: string) {
    // better-sqlite3 reports a missing folder as a plain TypeError; checking first keeps one error kind.
    if (!existsSync(file)) throw new EventQueryError('not-found', `no audit log at ${file}`);
    try {
      this.db = new Database(file, { readonly: true, fileMustExist: true });
    } catch (error) {
      throw translate(error, file);
    }
  }

  lastSeq(): number {
    return this.run((db) => (db.prepare('SELECT max(seq) FROM events').pluck().get() as number | null) ?? 0);
  }

  find(filter: EventFilter, window: SeqWindow, limit: number): FerryEvent[] {
    const where = whereOf(filter, window);
    return this.records(`SELECT record FROM events ${where.sql} ORDER BY seq LIMIT @limit`, {
      ...where.params,
      limit,
    });
  }

  latest(filter: EventFilter, window: SeqWindow, limit: number): FerryEvent[] {
    const where = whereOf(filter, window);
    return this.records(
      `SELECT record FROM (SELECT seq, record FROM events ${where.sql} ORDER BY seq DESC LIMIT @limit) ORDER BY seq`,
      { ...where.params, limit },
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private records(sql: string, params: Params): FerryEvent[] {
    return this.run((db) => {
      let statement = this.statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql).pluck();
        this.statements.set(sql, statement);
      }
      return (statement.all(params) as string[]).map((record) => JSON.parse(record) as FerryEvent);
    });
  }

  private run<T>(work: (db: Database.Database) => T): T {
    try {
      return work(this.db);
    } catch (error) {
      throw translate(error, this.file);
    }
  }
}

function whereOf(filter: EventFilter, window: SeqWindow): { sql: string; params: Params } {
  const where: Where = { clauses: ['seq > @afterSeq'], params: { afterSeq: window.afterSeq } };
  if (window.throughSeq !== undefined) add(where, 'seq <= @throughSeq', { throughSeq: window.throughSeq });
  if (filter.since) addBound(where, filter.since, 'since', '>=');
  if (filter.until) addBound(where, filter.until, 'until', '<');
  if (filter.types && filter.types.length > 0)
    add(where, 'type IN (SELECT value FROM json_each(@types))', { types: JSON.stringify(filter.types) });
  if (filter.actor !== undefined) add(where, 'actor = @actor', { actor: filter.actor });
  if (filter.sessionPrefix !== undefined)
    add(where, 'substr(session, 1, length(@session)) = @session', { session: filter.sessionPrefix });
  // A rename names two files, `from` and `to`; every other file event names one, `name`.
  if (filter.name !== undefined)
    add(
      where,
      `(json_extract(payload, '$.name') = @name OR (type = 'FileRenamed' AND
        (json_extract(payload, '$.from') = @name OR json_extract(payload, '$.to') = @name)))`,
      { name: filter.name },
    );
  return { sql: `WHERE ${where.clauses.join(' AND ')}`, params: where.params };
}

function addBound(where: Where, bound: EventBound, side: 'since' | 'until', operator: '>=' | '<'): void {
  // `at` is stored as toISOString() output, a fixed-width UTC form, so text order is time order.
  if ('seq' in bound) add(where, `seq ${operator} @${side}Seq`, { [`${side}Seq`]: bound.seq });
  else add(where, `at ${operator} @${side}At`, { [`${side}At`]: bound.at.toISOString() });
}

function add(where: Where, clause: string, params: Params): void {
  where.clauses.push(clause);
  Object.assign(where.params, params);
}

function translate(error: unknown, file: string): EventQueryError {
  if (error instanceof EventQueryError) return error;
  const code = error instanceof Database.SqliteError ? error.code : undefined;
  if (code === 'SQLITE_CANTOPEN') return new EventQueryError('not-found', `no audit log at ${file}`);
  const reason = error instanceof Error ? error.message : String(error);
  return new EventQueryError('unreadable', `cannot read the audit log ${file}: ${reason}`);
}
