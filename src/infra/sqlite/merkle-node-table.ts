import Database from 'better-sqlite3';
import { MerkleNodeReader, PerfectNode } from '../../domain/audit/merkle';

/** The `merkle_nodes` table (migrations/002_merkle.sql): perfect nodes, written once, read by key. */
export class MerkleNodeTable {
  private readonly insert: Database.Statement<[number, number, Uint8Array]>;
  private readonly select: Database.Statement<[number, number], Buffer | undefined>;
  private readonly leaves: Database.Statement<[], number>;

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)');
    this.select = db
      .prepare<[number, number], Buffer | undefined>(
        'SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?',
      )
      .pluck();
    // The primary key makes this one index probe, however many leaves there are.
    this.leaves = db
      .prepare<[], number>('SELECT coalesce(max(idx) + 1, 0) FROM merkle_nodes WHERE level = 0')
      .pluck();
  }

  add(nodes: readonly PerfectNode[]): void {
    for (const node of nodes) this.insert.run(node.level, node.index, node.hash);
  }

  find(level: number, index: number): Uint8Array | undefined {
    const hash = this.select.get(level, index);
    return hash === undefined ? undefined : new Uint8Array(hash);
  }

  /** One past the highest stored leaf index. */
  leafCount(): number {
    return this.leaves.get() ?? 0;
  }

  /** Throws on a missing node, as MerkleNodeReader requires: a gap must stop a proof, not bend it. */
  reader(): MerkleNodeReader {
    return {
      node: (level, index) => {
        const hash = this.find(level, index);
        if (hash === undefined) throw new Error(`merkle node ${level}/${index} is not stored`);
        return hash;
      },
    };
  }
}
