import Database from 'better-sqlite3';

/** Bytes of one table with its indexes, from SQLite's dbstat (every page of its b-trees, at page size). */
export interface TableSpace {
  readonly table: string;
  readonly bytes: number;
  /** The b-trees counted: the table and each of its indexes, with their bytes. */
  readonly trees: Readonly<Record<string, number>>;
}

export interface DatabaseSpace {
  readonly fileBytes: number;
  readonly pageSize: number;
  readonly freeBytes: number;
  readonly tables: readonly TableSpace[];
}

/**
 * Where the pages of a SQLite file go, per table (indexes counted with their table), read with the dbstat
 * virtual table (`SELECT name, sum(pgsize) FROM dbstat GROUP BY name`), which visits every page once.
 */
export function measureSpace(file: string): DatabaseSpace {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    const freePages = db.pragma('freelist_count', { simple: true }) as number;
    const owner = new Map<string, string>(
      (
        db.prepare('SELECT name, tbl_name FROM sqlite_schema').all() as { name: string; tbl_name: string }[]
      ).map((row) => [row.name, row.tbl_name]),
    );
    const trees = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as {
      name: string;
      bytes: number;
    }[];
    const tables = new Map<string, { bytes: number; trees: Record<string, number> }>();
    for (const tree of trees) {
      const table = owner.get(tree.name) ?? tree.name;
      const entry = tables.get(table) ?? { bytes: 0, trees: {} };
      entry.bytes += tree.bytes;
      entry.trees[tree.name] = tree.bytes;
      tables.set(table, entry);
    }
    return {
      fileBytes: pageCount * pageSize,
      pageSize,
      freeBytes: freePages * pageSize,
      tables: [...tables].map(([table, entry]) => ({ table, ...entry })).sort((a, b) => b.bytes - a.bytes),
    };
  } finally {
    db.close();
  }
}

/** The audit log proper: the events with their indexes, the Merkle tree and the signed checkpoints. */
export const LOG_TABLES = ['events', 'merkle_nodes', 'checkpoints'];

export function isCatalogueTable(table: string): boolean {
  return table.startsWith('catalogue_');
}

export function bytesOf(space: DatabaseSpace, which: (table: string) => boolean): number {
  return space.tables.filter((entry) => which(entry.table)).reduce((sum, entry) => sum + entry.bytes, 0);
}
