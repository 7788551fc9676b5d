import { HashFn } from './hash';
import { isTreeSize, largestPowerOfTwoBelow, MerkleNodeReader, subtreeHash } from './merkle-hashing';

/**
 * Proof generation follows the RFC 9162 recursions literally, over leaf ranges instead of leaf lists.
 * Every sibling is a subtreeHash: all but at most one of them are single perfect nodes and the remaining
 * one is the ragged right edge, so a proof costs O(log n) reads and never touches the leaves.
 */

/** PATH(m, D[n]) of RFC 9162 section 2.1.3.1, lowest sibling first. */
export function inclusionProof(
  hash: HashFn,
  reader: MerkleNodeReader,
  leafIndex: number,
  treeSize: number,
): Uint8Array[] {
  if (!isTreeSize(leafIndex) || !isTreeSize(treeSize) || leafIndex >= treeSize) {
    throw new RangeError(`inclusionProof: leaf ${leafIndex} is not in a tree of size ${treeSize}`);
  }
  return path(hash, reader, leafIndex, 0, treeSize);
}

function path(
  hash: HashFn,
  reader: MerkleNodeReader,
  leaf: number,
  start: number,
  end: number,
): Uint8Array[] {
  if (end - start === 1) return [];
  const split = start + largestPowerOfTwoBelow(end - start);
  return leaf < split
    ? [...path(hash, reader, leaf, start, split), subtreeHash(hash, reader, split, end)]
    : [...path(hash, reader, leaf, split, end), subtreeHash(hash, reader, start, split)];
}

/**
 * PROOF(m, D[n]) of RFC 9162 section 2.1.4.1. The RFC defines it for 0 < m < n; m = n yields the empty
 * proof (SUBPROOF(m, D[m], true)), and so does m = 0, since the empty tree is a prefix of every tree and
 * there is nothing to prove (verifyConsistency accepts that case only with an empty proof).
 */
export function consistencyProof(
  hash: HashFn,
  reader: MerkleNodeReader,
  oldSize: number,
  newSize: number,
): Uint8Array[] {
  if (!isTreeSize(oldSize) || !isTreeSize(newSize) || oldSize > newSize) {
    throw new RangeError(`consistencyProof: no proof from size ${oldSize} to size ${newSize}`);
  }
  if (oldSize === 0) return [];
  return subproof(hash, reader, oldSize, 0, newSize, true);
}

/** `oldSize` counts leaves from `start`; `knownRoot` is the RFC's b flag: is MTH(D[0:m]) already known? */
function subproof(
  hash: HashFn,
  reader: MerkleNodeReader,
  oldSize: number,
  start: number,
  end: number,
  knownRoot: boolean,
): Uint8Array[] {
  if (oldSize === end - start) return knownRoot ? [] : [subtreeHash(hash, reader, start, end)];
  const k = largestPowerOfTwoBelow(end - start);
  return oldSize <= k
    ? [
        ...subproof(hash, reader, oldSize, start, start + k, knownRoot),
        subtreeHash(hash, reader, start + k, end),
      ]
    : [
        ...subproof(hash, reader, oldSize - k, start + k, end, false),
        subtreeHash(hash, reader, start, start + k),
      ];
}
