import Database from 'better-sqlite3';
import { join } from 'node:path';

export interface EventRow {
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly session: string;
  readonly actor: string;
  readonly remote: string;
  readonly payload: Record<string, unknown>;
}

/** Reads the audit log the way an operator would, with SQL on the `events` table. */
export function readEvents(dataDir: string): EventRow[] {
  const db = new Database(join(dataDir, 'audit.db'), { readonly: true });
  try {
    const rows = db
      .prepare('SELECT seq, type, at, session, actor, remote, payload FROM events ORDER BY seq')
      .all() as Array<Omit<EventRow, 'payload'> & { payload: string }>;
    return rows.map((row) => ({ ...row, payload: JSON.parse(row.payload) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}
