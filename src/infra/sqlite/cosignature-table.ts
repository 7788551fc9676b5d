import Database from 'better-sqlite3';
import { CosignatureStore, StoredCosignature } from '../../domain/ports/cosignature-store.port';

const PAGE_SIZE = 1000;

/** The `checkpoint_cosignatures` table (migrations/011_cosignatures.sql). */
export class CosignatureTable implements CosignatureStore {
  /** Undefined for a folder no server of this version has opened (read by `ferry audit`): none are kept. */
  private readonly statements:
    | {
        readonly insert: Database.Statement<[number, string, string, string]>;
        readonly latest: Database.Statement<[string], number | null>;
        readonly ofSize: Database.Statement<[number], StoredCosignature>;
        readonly page: Database.Statement<[number, string, number], StoredCosignature>;
      }
    | undefined;

  constructor(db: Database.Database) {
    const present = db
      .prepare<[], string>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'checkpoint_cosignatures'",
      )
      .pluck()
      .get();
    if (present === undefined) return;
    const columns = 'tree_size AS size, witness, line';
    this.statements = {
      insert: db.prepare(
        'INSERT OR REPLACE INTO checkpoint_cosignatures (tree_size, witness, line, at) VALUES (?, ?, ?, ?)',
      ),
      latest: db
        .prepare<[string], number | null>(
          'SELECT max(tree_size) FROM checkpoint_cosignatures WHERE witness = ?',
        )
        .pluck(),
      ofSize: db.prepare(
        `SELECT ${columns} FROM checkpoint_cosignatures WHERE tree_size = ? ORDER BY witness`,
      ),
      page: db.prepare(
        `SELECT ${columns} FROM checkpoint_cosignatures WHERE (tree_size, witness) < (?, ?)
         ORDER BY tree_size DESC, witness DESC LIMIT ?`,
      ),
    };
  }

  add(cosignature: StoredCosignature, at: string): void {
    if (!this.statements)
      throw new Error('the cosignatures table is missing: open the folder with a server first');
    const { size, witness, line } = cosignature;
    this.statements.insert.run(size, witness, line, at);
  }

  latestSizeOf(witness: string): number {
    return this.statements?.latest.get(witness) ?? 0;
  }

  ofSize(size: number): StoredCosignature[] {
    return this.statements?.ofSize.all(size) ?? [];
  }

  /** Every cosignature, the largest tree size first, a page at a time, by the table's key. */
  *newestFirst(): Iterable<StoredCosignature> {
    if (!this.statements) return;
    let before: [number, string] = [Number.MAX_SAFE_INTEGER, ''];
    for (;;) {
      const rows = this.statements.page.all(...before, PAGE_SIZE);
      yield* rows;
      if (rows.length < PAGE_SIZE) return;
      const last = rows[rows.length - 1];
      before = [last.size, last.witness];
    }
  }
}
