/** The public face of the audit Merkle tree; the tree arithmetic helpers stay private to the audit folder. */
export {
  emptyTreeHash,
  leafHash,
  MerkleFrontier,
  nodeHash,
  rootAt,
  subtreeHash,
  type MerkleNodeReader,
  type PerfectNode,
} from './merkle-hashing';
export { consistencyProof, inclusionProof } from './merkle-proofs';
export { verifyConsistency, verifyInclusion } from './merkle-verify';
