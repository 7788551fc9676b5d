import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, copyFile, mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NEXT_KEY_FILE, PUBLIC_KEY_FILE, SIGNING_KEY_FILE } from '../crypto/signing-key-files';
import { HOST_KEY_FILE } from '../crypto/ssh-host-key';
import { DiskFileStore } from '../storage/disk-file-store';
import { SmallBlobPack } from '../storage/small-blob-pack';

export const AUDIT_DB = 'audit.db';
const CREDENTIALS_DB = 'credentials.db';
/** Copied as they are, mode included: the private keys stay 0600. */
const KEY_FILES = [SIGNING_KEY_FILE, PUBLIC_KEY_FILE, NEXT_KEY_FILE, HOST_KEY_FILE];
/** Says what a backup folder holds; its presence marks the folder as one. */
export const BACKUP_MANIFEST = 'ferry-backup.json';

/** Versions whose blobs are looked up per page: memory stays flat however many files there are. */
const VERSIONS_PAGE = 1000;
/** sqlite3_backup_step takes this as "every page": one step, so one read transaction, so one snapshot. */
const ALL_PAGES = 0x7fffffff;

export interface CopyReport {
  /** Events in the copied log. */
  readonly events: number;
  /** Blobs copied and checked against their SHA-256. */
  readonly blobs: number;
  readonly bytes: number;
}

/**
 * Copies a data folder, which a server may be writing meanwhile, into an empty folder: the audit log
 * first, as one snapshot (SQLite's online backup API in a single step), then the credentials the same
 * way, the key files, and then every blob the copied catalogue still refers to, each read through
 * SHA-256 and published in the copy only if it matches its name. Held (partial) uploads are not copied.
 * The copy is a data folder: `ferry audit verify` and `ferry serve` open it as they are.
 */
export async function copyDataFolder(from: string, to: string): Promise<CopyReport> {
  const source = resolve(from);
  const target = resolve(to);
  if (!existsSync(join(source, AUDIT_DB))) throw new Error(`no audit log at ${join(source, AUDIT_DB)}`);
  await prepareEmptyFolder(target);
  try {
    await copyDatabase(join(source, AUDIT_DB), join(target, AUDIT_DB));
    if (existsSync(join(source, CREDENTIALS_DB))) {
      await copyDatabase(join(source, CREDENTIALS_DB), join(target, CREDENTIALS_DB));
    }
    for (const file of KEY_FILES) {
      if (existsSync(join(source, file))) await copyDurably(join(source, file), join(target, file));
    }
    const copied = await copyReferencedBlobs(source, target);
    await syncPath(target);
    return { events: countEvents(join(target, AUDIT_DB)), ...copied };
  } catch (error) {
    // Half a copy is no backup: the folder is left empty, ready for another try.
    for (const entry of readdirSync(target)) await rm(join(target, entry), { recursive: true, force: true });
    throw error;
  }
}

/** Writes the manifest that marks `folder` as a finished backup (the last step of making one). */
export async function writeBackupManifest(folder: string, report: CopyReport, source: string): Promise<void> {
  const manifest = { format: 1, createdAt: new Date().toISOString(), source: resolve(source), ...report };
  const path = join(folder, BACKUP_MANIFEST);
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  await syncPath(path);
  await syncPath(folder);
}

async function prepareEmptyFolder(folder: string): Promise<void> {
  if (existsSync(folder) && readdirSync(folder).length > 0) {
    throw new Error(`${folder} is not empty: give a new or empty folder`);
  }
  await mkdir(folder, { recursive: true, mode: 0o700 });
}

async function copyDatabase(from: string, to: string): Promise<void> {
  const db = new Database(from, { readonly: true, fileMustExist: true });
  try {
    await db.backup(to, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
  // The credentials' hashes stay as private in the copy as in the original.
  await chmod(to, (await stat(from)).mode & 0o777);
  await syncPath(to);
}

function countEvents(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], number>('SELECT count(*) FROM events').pluck().get() ?? 0;
  } finally {
    db.close();
  }
}

interface VersionRow {
  readonly nameId: number;
  readonly version: number;
  readonly sha256: string;
}

/** The blobs of every version garbage collection has not removed, read from the copy's catalogue. */
async function copyReferencedBlobs(
  source: string,
  target: string,
): Promise<{ blobs: number; bytes: number }> {
  let { blobs, bytes } = await checkPackedBlobs(join(target, AUDIT_DB));
  const from = new DiskFileStore(source);
  // Small blobs of a folder from an older version (files there) go to the copy's pack, as a server would.
  const pack = SmallBlobPack.openForWriting(join(target, AUDIT_DB));
  const to = new DiskFileStore(target, { fsync: true, pack });
  let db: Database.Database | undefined;
  try {
    await to.open();
    db = new Database(join(target, AUDIT_DB), { readonly: true, fileMustExist: true });
    const page = db.prepare<[number, number, number], VersionRow>(
      `SELECT v.name_id AS nameId, v.version, v.sha256 FROM catalogue_versions v
       WHERE (v.name_id, v.version) > (?, ?)
         AND NOT EXISTS (SELECT 1 FROM catalogue_collected c WHERE c.sha256 = v.sha256)
       ORDER BY v.name_id, v.version LIMIT ?`,
    );
    let after = { nameId: -1, version: -1 };
    for (;;) {
      const rows = page.all(after.nameId, after.version, VERSIONS_PAGE);
      for (const row of rows) {
        if (await to.has(row.sha256)) continue;
        bytes += await copyBlob(from, to, row.sha256);
        blobs++;
      }
      if (rows.length < VERSIONS_PAGE) break;
      after = rows[rows.length - 1];
    }
  } finally {
    db?.close();
    await from
      .close()
      .finally(() => to.close())
      .finally(() => pack?.close());
  }
  return { blobs, bytes };
}

/**
 * Small blobs come with the database's snapshot, as rows of its pack: each is checked against its name,
 * as a copied file is.
 */
async function checkPackedBlobs(database: string): Promise<{ blobs: number; bytes: number }> {
  const pack = SmallBlobPack.openForReading(database);
  let blobs = 0;
  let bytes = 0;
  try {
    for (const sha256 of pack.list()) {
      const content = pack.get(sha256) ?? Buffer.alloc(0);
      const actual = createHash('sha256').update(content).digest('hex');
      if (actual !== sha256) throw new Error(`blob ${sha256} is damaged: its bytes hash to ${actual}`);
      blobs++;
      bytes += content.length;
    }
  } finally {
    await pack.close();
  }
  return { blobs, bytes };
}

async function copyBlob(from: DiskFileStore, to: DiskFileStore, sha256: string): Promise<number> {
  const writer = await to.begin();
  try {
    for await (const chunk of from.read(sha256)) await writer.write(chunk);
    const digest = await writer.seal();
    if (digest.sha256 !== sha256)
      throw new Error(`blob ${sha256} is damaged: its bytes hash to ${digest.sha256}`);
    await writer.commit();
    return digest.size;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

async function copyDurably(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  await syncPath(to);
}

/** fsync of a file or a folder (a folder's, to make the names in it durable); read-only opens do for both. */
async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
