import { MerkleNodeReader } from './merkle';
import { AuditLogReader } from '../ports/audit-log-reader.port';

/** The stored nodes as proofs read them: a missing node throws, so it stops a proof instead of bending it. */
export function storedNodes(reader: AuditLogReader): MerkleNodeReader {
  return {
    node: (level, index) => {
      const hash = reader.storedNode(level, index);
      if (hash === undefined) throw new Error(`Merkle node ${level}/${index} is not stored`);
      return hash;
    },
  };
}
