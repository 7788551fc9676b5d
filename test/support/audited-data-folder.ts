import Database from 'better-sqlite3';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { leafHash, MerkleFrontier } from '../../src/domain/audit/merkle';
import { sha256 } from '../../src/infra/crypto/sha256';
import { FerryClient } from '../../src/transport/client/ferry-client';
import { RunResult, runFerry } from './ferry-binary';
import { chunksOf, randomFile } from './streams';
import { startTestServer } from './test-server';

/** A data folder written by two real server runs, and the checkpoint printed after each, kept outside it. */
export interface AuditedDataFolder {
  readonly dataDir: string;
  readonly firstCheckpointFile: string;
  readonly lastCheckpointFile: string;
  readonly firstCheckpointSize: number;
  readonly lastCheckpointSize: number;
}

async function upload(client: FerryClient, name: string, bytes: Buffer): Promise<void> {
  await client.upload(name, chunksOf(bytes), bytes.length);
}

async function serverRun(dataDir: string, work: (client: FerryClient) => Promise<void>): Promise<void> {
  const server = await startTestServer({ dataDir });
  try {
    const client = await server.connect();
    await work(client);
    await client.logout();
  } finally {
    await server.stop();
  }
}

async function keepCheckpoint(dataDir: string, file: string): Promise<number> {
  const printed = await runFerry(['audit', 'checkpoint', '--data', dataDir, '--json']);
  if (printed.code !== 0) throw new Error(`ferry audit checkpoint failed: ${printed.stderr}`);
  writeFileSync(file, printed.stdout);
  return (JSON.parse(printed.stdout) as { size: number }).size;
}

export async function makeAuditedDataFolder(work: string): Promise<AuditedDataFolder> {
  const dataDir = join(work, 'data');
  await serverRun(dataDir, async (client) => {
    await upload(client, 'report.pdf', randomFile(70_000));
    await upload(client, 'notes.txt', Buffer.from('first notes\n'));
    await upload(client, 'report.pdf', randomFile(1_000));
    await client.delete('notes.txt');
    await client.delete('missing.txt').catch(() => undefined);
  });
  const firstCheckpointFile = join(work, 'first-checkpoint.json');
  const firstCheckpointSize = await keepCheckpoint(dataDir, firstCheckpointFile);
  await serverRun(dataDir, async (client) => {
    await upload(client, 'docs/plan é.md', Buffer.from('# plan\n'));
    await upload(client, 'notes.txt', Buffer.from('second notes\n'));
    await client.list();
    await client.delete('report.pdf');
    await upload(client, 'docs/plan é.md', Buffer.from('# plan, revised\n'));
  });
  const lastCheckpointFile = join(work, 'last-checkpoint.json');
  const lastCheckpointSize = await keepCheckpoint(dataDir, lastCheckpointFile);
  return { dataDir, firstCheckpointFile, lastCheckpointFile, firstCheckpointSize, lastCheckpointSize };
}

export function copyDataFolder(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

/** The first thing an attacker with the sqlite3 shell does: triggers stop accidents, not them. */
function openWithoutTriggers(dataDir: string): Database.Database {
  const db = new Database(join(dataDir, 'audit.db'));
  for (const trigger of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all()) {
    db.exec(`DROP TRIGGER "${String(trigger)}"`);
  }
  return db;
}

export function tamper(dataDir: string, sql: string, params: unknown[] = []): void {
  const db = openWithoutTriggers(dataDir);
  try {
    if (params.length === 0) db.exec(sql);
    else db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

export function recordOf(dataDir: string, seq: number): string {
  const db = new Database(join(dataDir, 'audit.db'), { readonly: true });
  try {
    return db.prepare('SELECT record FROM events WHERE seq = ?').pluck().get(seq) as string;
  } finally {
    db.close();
  }
}

/**
 * Removes every event after `keep`, with the nodes over them; a thorough attacker (`dropCheckpoints`) also
 * removes the checkpoints that cover them. Without the private key, nothing can be re-signed. The catalogue
 * tables are left as they were: they still reflect the removed events.
 */
export function cutTail(dataDir: string, keep: number, options: { dropCheckpoints: boolean }): void {
  tamper(
    dataDir,
    `DELETE FROM events WHERE seq > ${keep};
     DELETE FROM merkle_nodes WHERE (idx + 1) * (1 << level) > ${keep};
     ${options.dropCheckpoints ? `DELETE FROM checkpoints WHERE tree_size > ${keep};` : ''}`,
  );
}

/** `ferry admin rebuild` on the data folder: its catalogue tables emptied and folded again from the log. */
export function rebuild(dataDir: string): Promise<RunResult> {
  return runFerry(['admin', 'rebuild', '--data', dataDir]);
}

/** Appends forged records after the cut, with every Merkle node they need, computed as the server would. */
export function appendForged(dataDir: string, records: readonly string[]): void {
  const db = openWithoutTriggers(dataDir);
  try {
    const size = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
    const node = db.prepare('SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?').pluck();
    const frontier = new MerkleFrontier(sha256, size, {
      node: (level, index) => node.get(level, index) as Buffer,
    });
    const insertEvent = db.prepare('INSERT INTO events (seq, record) VALUES (?, ?)');
    const insertNode = db.prepare('INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)');
    records.forEach((record, i) => {
      insertEvent.run(size + i + 1, record);
      for (const n of frontier.append(leafHash(sha256, Buffer.from(record, 'utf8')))) {
        insertNode.run(n.level, n.index, n.hash);
      }
    });
  } finally {
    db.close();
  }
}

export interface Verdict extends RunResult {
  readonly json: {
    ok: boolean;
    code?: string;
    seq?: number;
    sha256?: string;
    message?: string;
    events?: number;
  };
}

export async function verify(dataDir: string, ...args: string[]): Promise<Verdict> {
  const result = await runFerry(['audit', 'verify', '--data', dataDir, '--json', ...args]);
  return { ...result, json: JSON.parse(result.stdout) as Verdict['json'] };
}
