import Database from 'better-sqlite3';
import { SignedCheckpoint } from '../../domain/audit/checkpoint';

interface CheckpointRow {
  readonly tree_size: number;
  readonly root: Buffer;
  readonly at: string;
  readonly key_id: string;
  readonly signature: Buffer;
  readonly origin: string | null;
}

const COLUMNS = 'tree_size, root, at, key_id, signature, origin';
const PAGE_SIZE = 1000;

/** The `checkpoints` table (migrations/002_merkle.sql): signed tree heads, one per tree size. */
export class CheckpointTable {
  /** Undefined for a folder read before its migration: nothing is ever written there. */
  private readonly insert:
    Database.Statement<[number, Uint8Array, string, string, Uint8Array, string | null]> | undefined;
  private readonly latestRow: Database.Statement<[], CheckpointRow | undefined>;
  private readonly bySize: Database.Statement<[number], CheckpointRow | undefined>;
  private readonly page: Database.Statement<[number, number], CheckpointRow>;

  constructor(db: Database.Database) {
    // A folder that no server of this version has opened yet (read by `ferry audit`) has no origin column.
    const columnsNow = db.pragma('table_info(checkpoints)') as Array<{ name: string }>;
    const named = columnsNow.some((column) => column.name === 'origin');
    this.insert = named
      ? db.prepare(`INSERT INTO checkpoints (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`)
      : undefined;
    const columns = named ? COLUMNS : COLUMNS.replace('origin', 'NULL AS origin');
    this.latestRow = db.prepare(`SELECT ${columns} FROM checkpoints ORDER BY tree_size DESC LIMIT 1`);
    this.bySize = db.prepare(`SELECT ${columns} FROM checkpoints WHERE tree_size = ?`);
    this.page = db.prepare(
      `SELECT ${columns} FROM checkpoints WHERE tree_size > ? ORDER BY tree_size LIMIT ?`,
    );
  }

  add(checkpoint: SignedCheckpoint): void {
    if (!this.insert)
      throw new Error('the checkpoints table is of an older version: open it with a server first');
    const { size, root, at, keyId, signature, origin } = checkpoint;
    this.insert.run(size, root, at, keyId, signature, origin ?? null);
  }

  latest(): SignedCheckpoint | undefined {
    return fromRow(this.latestRow.get());
  }

  ofSize(size: number): SignedCheckpoint | undefined {
    return fromRow(this.bySize.get(size));
  }

  /** Smallest tree size first, a page at a time, so that no statement stays open between pages. */
  *all(): Iterable<SignedCheckpoint> {
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const rows = this.page.all(after, PAGE_SIZE);
      for (const row of rows) yield fromRow(row) as SignedCheckpoint;
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1].tree_size;
    }
  }
}

function fromRow(row: CheckpointRow | undefined): SignedCheckpoint | undefined {
  if (row === undefined) return undefined;
  return {
    size: row.tree_size,
    root: new Uint8Array(row.root),
    at: row.at,
    keyId: row.key_id,
    signature: new Uint8Array(row.signature),
    ...(row.origin === null ? {} : { origin: row.origin }),
  };
}
