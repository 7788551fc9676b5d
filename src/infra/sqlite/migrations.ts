import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The SQL schema ships beside the code: `migrations/` at the package root. */
export const MIGRATIONS_DIR = resolve(__dirname, '../../../migrations');

const MIGRATION_FILE = /^(\d+)_[\w-]+\.sql$/;

/** Applies, in order and each in its own transaction, every numbered migration not yet recorded. */
export function migrate(db: Database.Database, at: () => string, dir = MIGRATIONS_DIR): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .pluck()
      .all()
      .map((v) => Number(v)),
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const files = readdirSync(dir)
    .map((name) => ({ name, match: MIGRATION_FILE.exec(name) }))
    .filter((file) => file.match)
    .map((file) => ({ name: file.name, version: Number(file.match![1]) }))
    .sort((a, b) => a.version - b.version);
  const newlyApplied: number[] = [];
  for (const file of files) {
    if (applied.has(file.version)) continue;
    const sql = readFileSync(join(dir, file.name), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      record.run(file.version, file.name, at());
    })();
    newlyApplied.push(file.version);
  }
  return newlyApplied;
}
