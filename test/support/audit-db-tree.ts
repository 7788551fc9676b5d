import Database from 'better-sqlite3';
import { leafHash } from '../../src/domain/audit/merkle';
import { MerkleNodeReader } from '../../src/domain/audit/merkle';
import { sha256 } from '../../src/infra/crypto/sha256';
import { naiveMth } from '../unit/audit/merkle-fixtures';

/** What an audit.db holds for its Merkle tree, read with plain SQL the way an outside checker would. */
export interface StoredTree {
  readonly records: string[];
  readonly nodes: Map<string, Buffer>;
  readonly checkpoints: Array<{ size: number; root: Buffer; at: string; keyId: string; signature: Buffer }>;
}

export function readStoredTree(file: string): StoredTree {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const records = db.prepare('SELECT record FROM events ORDER BY seq').pluck().all() as string[];
    const nodes = new Map<string, Buffer>();
    for (const row of db.prepare('SELECT level, idx, hash FROM merkle_nodes').all() as Array<{
      level: number;
      idx: number;
      hash: Buffer;
    }>) {
      nodes.set(`${row.level}/${row.idx}`, row.hash);
    }
    const checkpoints = db
      .prepare(
        'SELECT tree_size AS size, root, at, key_id AS keyId, signature FROM checkpoints ORDER BY tree_size',
      )
      .all() as StoredTree['checkpoints'];
    return { records, nodes, checkpoints };
  } finally {
    db.close();
  }
}

/** The leaf of a record, from its bytes as the spec in docs/AUDIT.md says, with no Ferry code but the hash. */
export function leafOfRecord(record: string): Uint8Array {
  return leafHash(sha256, Buffer.from(record, 'utf8'));
}

/** RFC 9162's MTH over the given records, by the textbook recursion. */
export function naiveRoot(records: readonly string[]): Uint8Array {
  return naiveMth(records.map(leafOfRecord));
}

export function storedNodeReader(tree: StoredTree): MerkleNodeReader {
  return {
    node: (level, index) => {
      const hash = tree.nodes.get(`${level}/${index}`);
      if (hash === undefined) throw new Error(`node ${level}/${index} is not stored`);
      return hash;
    },
  };
}

/** Every perfect node a tree of this many leaves must have stored, recomputed naively. */
export function expectedNodes(records: readonly string[]): Map<string, string> {
  const leaves = records.map(leafOfRecord);
  const expected = new Map<string, string>();
  for (let level = 0; 2 ** level <= leaves.length; level++) {
    const width = 2 ** level;
    for (let index = 0; (index + 1) * width <= leaves.length; index++) {
      expected.set(
        `${level}/${index}`,
        Buffer.from(naiveMth(leaves.slice(index * width, (index + 1) * width))).toString('hex'),
      );
    }
  }
  return expected;
}

export function hexMap(nodes: ReadonlyMap<string, Uint8Array>): Map<string, string> {
  return new Map([...nodes].map(([key, hash]) => [key, Buffer.from(hash).toString('hex')]));
}
