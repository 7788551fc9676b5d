import Database from 'better-sqlite3';
import { leafHash, MerkleFrontier } from '../../domain/audit/merkle';
import { sha256 } from '../crypto/sha256';
import { MerkleNodeTable } from './merkle-node-table';

const CATCH_UP_PAGE_SIZE = 5000;

/**
 * The audit log's Merkle tree as the appender sees it: a frontier of O(log n) peaks, loaded once from the
 * stored nodes, that turns each appended record into its leaf and the perfect nodes it completes, stored
 * in the caller's transaction. Appending therefore costs O(log n) hashes and no reads.
 */
export class SqliteMerkleTree {
  private readonly nodes: MerkleNodeTable;
  private readonly events: Database.Statement<[number, number], { seq: number; record: string }>;
  private frontier: MerkleFrontier;

  constructor(private readonly db: Database.Database) {
    this.nodes = new MerkleNodeTable(db);
    this.events = db.prepare('SELECT seq, record FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.frontier = this.load();
  }

  get size(): number {
    return this.frontier.size;
  }

  root(): Uint8Array {
    return this.frontier.root();
  }

  /** `record` is the exact text stored in the events row: its UTF-8 bytes are the leaf's input. */
  append(record: string): void {
    const leaf = leafHash(sha256, Buffer.from(record, 'utf8'));
    this.nodes.add(this.frontier.append(leaf));
  }

  /**
   * Adds the leaves of events stored before the tree existed (a log from before migration 002), once, in
   * one transaction; afterwards every append adds its own. More leaves than events means that events
   * were removed, which no append explains, so the log refuses to open.
   */
  catchUp(lastSeq: number): void {
    if (this.size > lastSeq) {
      throw new Error(
        `audit log damaged: the Merkle tree has ${this.size} leaves, the log ${lastSeq} events`,
      );
    }
    const addMissingLeaves = this.db.transaction(() => {
      while (this.size < lastSeq) {
        const rows = this.events.all(this.size, CATCH_UP_PAGE_SIZE);
        for (const row of rows) {
          if (row.seq !== this.size + 1) break;
          this.append(row.record);
        }
        if (rows.length === 0 || rows[rows.length - 1].seq !== this.size) {
          throw new Error(`audit log damaged: event ${this.size + 1} is missing`);
        }
      }
    });
    try {
      addMissingLeaves();
    } catch (error) {
      this.reload();
      throw error;
    }
  }

  /** After a rolled-back transaction the frontier is ahead of the table; the table is the truth. */
  reload(): void {
    this.frontier = this.load();
  }

  private load(): MerkleFrontier {
    return new MerkleFrontier(sha256, this.nodes.leafCount(), this.nodes.reader());
  }
}
