import { bytesEqual, HashFn } from './hash';
import { emptyTreeHash, halve, isOdd, isPowerOfTwo, isTreeSize, nodeHash } from './merkle-hashing';

/**
 * The verifiers are the trust boundary: proofs, roots and sizes may all come from a hostile log. They
 * therefore answer only true or false. Anything malformed is false, and an unexpected exception (from
 * the injected hash, say) is false too, because a verifier that throws invites callers to treat "did not
 * throw" as "verified".
 *
 * A proof binds the tree size only through the root. Where two sizes give a proof the same shape, the same
 * proof and root pass for both, so sizes must come from the same signed tree head as the root.
 */

/** RFC 9162 section 2.1.3.2, step for step. */
export function verifyInclusion(
  hash: HashFn,
  leafIndex: number,
  treeSize: number,
  leafHashValue: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    if (!isTreeSize(leafIndex) || !isTreeSize(treeSize) || leafIndex >= treeSize) return false;
    const digestLength = emptyTreeHash(hash).length;
    const wellFormed = isDigestList([leafHashValue, root], digestLength) && isDigestList(proof, digestLength);
    if (!wellFormed) return false;

    let fn = leafIndex;
    let sn = treeSize - 1;
    let r = leafHashValue;
    for (const p of proof) {
      // More proof than levels left: reject rather than hash past the root.
      if (sn === 0) return false;
      if (isOdd(fn) || fn === sn) {
        r = nodeHash(hash, p, r);
        // A left sibling on the ragged right edge: skip the levels where this node has no sibling.
        while (!isOdd(fn) && fn !== 0) {
          fn = halve(fn);
          sn = halve(sn);
        }
      } else {
        r = nodeHash(hash, r, p);
      }
      fn = halve(fn);
      sn = halve(sn);
    }
    // sn > 0 means the proof stopped short of the root. fn <= sn throughout, so fn is then zero as well.
    return sn === 0 && bytesEqual(r, root);
  } catch {
    return false;
  }
}

/**
 * RFC 9162 section 2.1.4.2, step for step, for 0 < oldSize < newSize. The RFC leaves two cases open:
 * - oldSize == newSize: the trees are the same, so the proof must be empty (PROOF(m, D[m]) = {}) and the
 *   roots equal.
 * - oldSize == 0: the empty tree is a prefix of every tree, so the proof must be empty and oldRoot must be
 *   the empty-tree hash. newRoot cannot be checked without the leaves and is not.
 */
export function verifyConsistency(
  hash: HashFn,
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: Uint8Array[],
): boolean {
  try {
    if (!isTreeSize(oldSize) || !isTreeSize(newSize) || oldSize > newSize) return false;
    const emptyRoot = emptyTreeHash(hash);
    const digestLength = emptyRoot.length;
    const wellFormed = isDigestList([oldRoot, newRoot], digestLength) && isDigestList(proof, digestLength);
    if (!wellFormed) return false;
    if (oldSize === 0 && !bytesEqual(oldRoot, emptyRoot)) return false;
    if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot);
    if (oldSize === 0) return proof.length === 0;

    // Step 1.
    if (proof.length === 0) return false;
    // Step 2: a perfect old tree is itself a node of the new one, so its root starts the walk.
    const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
    // Steps 3 and 4.
    let fn = oldSize - 1;
    let sn = newSize - 1;
    while (isOdd(fn)) {
      fn = halve(fn);
      sn = halve(sn);
    }
    // Step 5.
    let fr = path[0];
    let sr = path[0];
    // Step 6.
    for (const c of path.slice(1)) {
      if (sn === 0) return false;
      if (isOdd(fn) || fn === sn) {
        fr = nodeHash(hash, c, fr);
        sr = nodeHash(hash, c, sr);
        while (!isOdd(fn) && fn !== 0) {
          fn = halve(fn);
          sn = halve(sn);
        }
      } else {
        sr = nodeHash(hash, sr, c);
      }
      fn = halve(fn);
      sn = halve(sn);
    }
    // Step 7. As for inclusion, fn <= sn throughout, so sn === 0 implies fn === 0.
    return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot);
  } catch {
    return false;
  }
}

/** An explicit loop, because every() skips the holes of a sparse array. */
function isDigestList(values: unknown, digestLength: number): values is Uint8Array[] {
  if (!Array.isArray(values)) return false;
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (!(value instanceof Uint8Array) || value.length !== digestLength) return false;
  }
  return true;
}
