import Database from 'better-sqlite3';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A data folder's blobs as a test reaches them behind the server's back, wherever the store keeps them:
 * small ones in the pack (the audit database's `small_blobs`), larger ones as files under `blobs/`.
 */
function withPack<T>(dataDir: string, work: (db: Database.Database) => T): T | undefined {
  const file = join(dataDir, 'audit.db');
  if (!existsSync(file)) return undefined;
  const db = new Database(file);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

/** Runs `sql` on the blob's row; true if it had one. */
function changedRow(dataDir: string, sql: string, ...params: unknown[]): boolean {
  return (withPack(dataDir, (db) => db.prepare(sql).run(...params).changes) ?? 0) > 0;
}

function blobFile(dataDir: string, sha256: string): string {
  return join(dataDir, 'blobs', sha256.slice(0, 2), sha256);
}

/** Puts `bytes` where the blob's were. */
export function replaceStoredBlob(dataDir: string, sha256: string, bytes: Uint8Array): void {
  if (!changedRow(dataDir, 'UPDATE small_blobs SET bytes = ? WHERE sha256 = ?', bytes, sha256)) {
    writeFileSync(blobFile(dataDir, sha256), bytes);
  }
}

export function removeStoredBlob(dataDir: string, sha256: string): void {
  if (!changedRow(dataDir, 'DELETE FROM small_blobs WHERE sha256 = ?', sha256))
    rmSync(blobFile(dataDir, sha256));
}

/** Every blob the store holds, temporaries and held bytes included: what a refusal must not leave behind. */
export function storedBlobs(dataDir: string): string[] {
  const files = readdirSync(join(dataDir, 'blobs'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  const packed = withPack(dataDir, (db) =>
    db.prepare<[], string>('SELECT sha256 FROM small_blobs').pluck().all(),
  );
  return [...files, ...(packed ?? []).map((sha256) => `small_blobs:${sha256}`)];
}
