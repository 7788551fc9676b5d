import Database from 'better-sqlite3';
import { ProjectionDifference } from '../../domain/ports/scratch-projection.port';
import { nameOfKey } from './name-sort-key';
import { CATALOGUE_TABLES } from './sqlite-catalogue-schema';

type CatalogueTable = (typeof CATALOGUE_TABLES)[number];
type Cell = Buffer | number | bigint | string | null;
type Row = readonly Cell[];

/**
 * How one table is read for comparison: its rows ordered by what they are about (a name key, an
 * account...), never by internal ids, so that two databases folded from the same log give the same rows
 * in the same order. Every query walks a primary key or index in order: no sort, no temporary B-tree,
 * nothing held but the row in hand.
 */
export interface ComparedTable {
  readonly table: CatalogueTable;
  /** The query; its first `keys` columns identify a row and are its ORDER BY. */
  readonly sql: string;
  readonly keys: number;
  /** What a row is about, from its key columns, for a person. */
  label(key: Row): string;
  /**
   * Rows reach the query through their name; rows whose name_id names no name are missed by the join, so
   * the table's rows are also counted.
   */
  readonly throughNames?: boolean;
}

const quotedName = (key: Cell) => (Buffer.isBuffer(key) ? JSON.stringify(nameOfKey(key)) : String(key));
const text = (value: Cell) => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value));

/**
 * Text columns used as keys are read as BLOBs: Buffer.compare then orders them as SQLite (memcmp) does.
 * ORDER BY names the column itself, qualified: the unqualified name would be the CAST, which has no index.
 */
const COMPARED: readonly ComparedTable[] = [
  {
    table: 'catalogue_names',
    sql: 'SELECT key AS name, live_version, latest_version FROM catalogue_names ORDER BY key',
    keys: 1,
    label: ([key]) => quotedName(key),
  },
  {
    table: 'catalogue_live',
    sql: `SELECT l.key AS name, l.version, l.sha256, l.size, l.at, l.actor, l.seq, l.restored_from,
            CAST(l.renamed_from AS BLOB) AS renamed_from, l.renamed_from_version
          FROM catalogue_live l ORDER BY l.key`,
    keys: 1,
    label: ([key]) => quotedName(key),
  },
  {
    table: 'catalogue_versions',
    sql: `SELECT n.key AS name, v.version, v.sha256, v.size, v.at, v.actor, v.seq, v.restored_from,
            v.ended_seq, v.ended_at, CAST(v.renamed_from AS BLOB) AS renamed_from, v.renamed_from_version
          FROM catalogue_names n JOIN catalogue_versions v ON v.name_id = n.id
          ORDER BY n.key, v.version`,
    keys: 2,
    label: ([key, version]) => `${quotedName(key)} version ${text(version)}`,
    throughNames: true,
  },
  {
    table: 'catalogue_deletions',
    sql: `SELECT n.key AS name, d.seq, d.version, d.at, d.actor, CAST(d.renamed_to AS BLOB) AS renamed_to
          FROM catalogue_names n JOIN catalogue_deletions d ON d.name_id = n.id
          ORDER BY n.key, d.seq`,
    keys: 2,
    label: ([key, seq]) => `${quotedName(key)} deleted or renamed in event ${text(seq)}`,
    throughNames: true,
  },
  {
    // A LEFT JOIN: a request whose name_id names no name still shows, with no name.
    table: 'catalogue_requests',
    sql: `SELECT CAST(r.actor AS BLOB) AS actor, CAST(r.request_id AS BLOB) AS request_id, r.seq, r.type,
            n.key AS name, r.version, r.at
          FROM catalogue_requests r LEFT JOIN catalogue_names n ON n.id = r.name_id
          ORDER BY r.actor, r.request_id`,
    keys: 2,
    label: ([actor, id]) => `request ${JSON.stringify(text(id))} of ${text(actor)}`,
  },
  {
    table: 'catalogue_collected',
    sql: 'SELECT CAST(c.sha256 AS BLOB) AS sha256 FROM catalogue_collected c ORDER BY c.sha256',
    keys: 1,
    label: ([sha256]) => `blob ${text(sha256)}`,
  },
  {
    table: 'catalogue_usage',
    sql: 'SELECT CAST(u.actor AS BLOB) AS actor, u.files, u.bytes FROM catalogue_usage u ORDER BY u.actor',
    keys: 1,
    label: ([actor]) => `actor ${text(actor)}`,
  },
  {
    table: 'catalogue_accounts',
    sql: `SELECT CAST(a.name AS BLOB) AS name, a.role, a.prefix, a.disabled, a.password_event,
            a.quota_bytes, a.quota_files, a.created_at, a.keys
          FROM catalogue_accounts a ORDER BY a.name`,
    keys: 1,
    label: ([name]) => `account ${text(name)}`,
  },
  {
    table: 'catalogue_addresses',
    sql: `SELECT CAST(a.address AS BLOB) AS address, a.failures, a.ban_until, a.streak, a.last_ban_end,
            a.touched_seq
          FROM catalogue_addresses a ORDER BY a.address`,
    keys: 1,
    label: ([address]) => `address ${text(address)}`,
  },
  {
    table: 'catalogue_folders',
    sql: 'SELECT f.key AS path FROM catalogue_folders f ORDER BY f.key',
    keys: 1,
    label: ([key]) => `folder ${quotedName(key)}`,
  },
  {
    table: 'catalogue_held_uploads',
    sql: `SELECT CAST(h.actor AS BLOB) AS actor, CAST(h.upload AS BLOB) AS upload, h.name, h.held, h.at, h.seq
          FROM catalogue_held_uploads h ORDER BY h.actor, h.upload`,
    keys: 2,
    label: ([actor, upload]) => `held upload ${JSON.stringify(text(upload))} of ${text(actor)}`,
  },
];

const REQUIRED_TABLES: readonly string[] = ['catalogue_position', ...CATALOGUE_TABLES];

/** The queries, in the order the tables are compared: for a test to check how SQLite runs them. */
export const COMPARISON_QUERIES: readonly string[] = COMPARED.map((table) => table.sql);

/**
 * The catalogue tables of one database, read for comparison with another's: the data folder's on the
 * audit reader's connection (so in its snapshot), or a scratch projection's. Every read streams.
 */
export class CatalogueTables {
  private readonly statements = new Map<CatalogueTable, Database.Statement>();

  private constructor(private readonly db: Database.Database) {}

  /** The tables of `db`, or undefined if it has none (a data folder no server of this version opened). */
  static of(db: Database.Database): CatalogueTables | undefined {
    const present = new Set(
      db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(),
    );
    return REQUIRED_TABLES.every((table) => present.has(table)) ? new CatalogueTables(db) : undefined;
  }

  /** The seq of the last event folded in, or undefined if the position row is gone. */
  position(): number | undefined {
    const seq = this.db.prepare('SELECT seq FROM catalogue_position WHERE singleton = 1').pluck().get();
    return seq === undefined ? undefined : Number(seq);
  }

  /** The table's rows in key order, read as iterated: call `return()` when stopping early. */
  rows(table: ComparedTable): IterableIterator<Row> {
    return this.statement(table).iterate() as IterableIterator<Row>;
  }

  columns(table: ComparedTable): string[] {
    return this.statement(table)
      .columns()
      .map((column) => column.name);
  }

  count(table: CatalogueTable): number {
    return this.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  }

  private statement(table: ComparedTable): Database.Statement {
    let statement = this.statements.get(table.table);
    if (!statement) {
      statement = this.db.prepare(table.sql).raw(true);
      this.statements.set(table.table, statement);
    }
    return statement;
  }
}

/**
 * The first place where `stored` (the data folder's tables) departs from `expected` (the log folded
 * afresh), table by table, each walked in lockstep in key order. Only rows that are equal in every column
 * pass, so no difference found means the tables hold the very same rows.
 */
export function firstCatalogueDifference(
  stored: CatalogueTables,
  expected: CatalogueTables,
): ProjectionDifference | undefined {
  for (const table of COMPARED) {
    const difference = compareTable(table, stored, expected) ?? compareCounts(table, stored, expected);
    if (difference) return difference;
  }
  return undefined;
}

function compareTable(
  table: ComparedTable,
  stored: CatalogueTables,
  expected: CatalogueTables,
): ProjectionDifference | undefined {
  const columns = expected.columns(table);
  const storedRows = stored.rows(table);
  const expectedRows = expected.rows(table);
  const rowDifference = (row: Row, change: 'missing' | 'extra' | 'changed') => ({
    kind: 'row' as const,
    table: table.table,
    row: table.label(row.slice(0, table.keys)),
    change,
  });
  try {
    let s = storedRows.next();
    let e = expectedRows.next();
    while (!s.done || !e.done) {
      if (s.done) return rowDifference(e.value, 'missing');
      if (e.done) return rowDifference(s.value, 'extra');
      const order = compareKeys(s.value, e.value, table.keys);
      if (order < 0) return rowDifference(s.value, 'extra');
      if (order > 0) return rowDifference(e.value, 'missing');
      const column = s.value.findIndex((cell, i) => !sameCell(cell, e.value[i]));
      if (column !== -1) {
        return {
          ...rowDifference(s.value, 'changed'),
          column: columns[column],
          stored: shown(s.value[column]),
          expected: shown(e.value[column]),
        };
      }
      s = storedRows.next();
      e = expectedRows.next();
    }
    return undefined;
  } finally {
    // An iterator left open keeps its statement busy.
    storedRows.return?.();
    expectedRows.return?.();
  }
}

function compareCounts(
  table: ComparedTable,
  stored: CatalogueTables,
  expected: CatalogueTables,
): ProjectionDifference | undefined {
  if (!table.throughNames) return undefined;
  const extra = stored.count(table.table) - expected.count(table.table);
  if (extra === 0) return undefined;
  return {
    kind: 'row',
    table: table.table,
    row: `${Math.abs(extra)} row(s) whose name_id names no name`,
    change: extra > 0 ? 'extra' : 'missing',
  };
}

function compareKeys(a: Row, b: Row, keys: number): number {
  for (let i = 0; i < keys; i++) {
    const order = compareCells(a[i], b[i]);
    if (order !== 0) return order;
  }
  return 0;
}

/** SQLite's order across storage classes: NULL, then numbers, then text, then BLOBs (memcmp). */
function compareCells(a: Cell, b: Cell): number {
  const rank = (cell: Cell) =>
    cell === null
      ? 0
      : typeof cell === 'number' || typeof cell === 'bigint'
        ? 1
        : Buffer.isBuffer(cell)
          ? 3
          : 2;
  const [ra, rb] = [rank(a), rank(b)];
  if (ra !== rb) return ra - rb;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return Buffer.compare(a, b);
  if (a === null || b === null || a === b) return 0;
  return a < b ? -1 : 1;
}

function sameCell(a: Cell, b: Cell): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

function shown(cell: Cell): string {
  if (cell === null) return 'NULL';
  if (Buffer.isBuffer(cell)) return JSON.stringify(nameOfKey(cell));
  return typeof cell === 'string' ? JSON.stringify(cell) : String(cell);
}
