import fc from 'fast-check';
import {
  consistencyProof,
  emptyTreeHash,
  inclusionProof,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/domain/audit/merkle';
import {
  buildTree,
  hexList,
  leafInTree,
  naiveMth,
  naivePath,
  naiveProof,
  sha256,
  sizePair,
} from './merkle-fixtures';

const tree = buildTree(1000);
const rootOf = (size: number): Uint8Array => naiveMth(tree.leaves.slice(0, size));

function checkInclusion(index: number, size: number): void {
  const proof = inclusionProof(sha256, tree.readerAt(size), index, size);
  expect(hexList(proof)).toEqual(hexList(naivePath(index, tree.leaves.slice(0, size))));
  expect(verifyInclusion(sha256, index, size, tree.leaves[index], proof, rootOf(size))).toBe(true);
}

function checkConsistency(oldSize: number, newSize: number): void {
  const proof = consistencyProof(sha256, tree.readerAt(newSize), oldSize, newSize);
  const expected = oldSize === newSize ? [] : naiveProof(oldSize, tree.leaves.slice(0, newSize));
  expect(hexList(proof)).toEqual(hexList(expected));
  expect(verifyConsistency(sha256, oldSize, newSize, rootOf(oldSize), rootOf(newSize), proof)).toBe(true);
}

describe('Merkle proofs', () => {
  describe('inclusion', () => {
    it('equals the RFC PATH and verifies, for every leaf of every tree up to 64 leaves', () => {
      for (let size = 1; size <= 64; size++) {
        for (let index = 0; index < size; index++) checkInclusion(index, size);
      }
    });

    it('equals the RFC PATH and verifies, for random trees up to 300 leaves', () => {
      fc.assert(
        fc.property(leafInTree(300), ([index, size]) => checkInclusion(index, size)),
        { numRuns: 300 },
      );
    });

    it('equals the RFC PATH and verifies, in a 1000-leaf tree', () => {
      for (const index of [0, 1, 499, 511, 512, 767, 998, 999]) checkInclusion(index, 1000);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 999 }), (index) => checkInclusion(index, 1000)),
        { numRuns: 30 },
      );
    });

    it('is empty for a one-leaf tree', () => {
      expect(inclusionProof(sha256, tree.readerAt(1), 0, 1)).toEqual([]);
      expect(verifyInclusion(sha256, 0, 1, tree.leaves[0], [], tree.leaves[0])).toBe(true);
    });

    it.each([
      [0, 0],
      [5, 5],
      [6, 5],
      [-1, 5],
      [0.5, 5],
      [0, NaN],
    ])('refuses to build a proof for leaf %p of a tree of size %p', (index, size) => {
      expect(() => inclusionProof(sha256, tree.readerAt(1000), index, size)).toThrow(RangeError);
    });
  });

  describe('consistency', () => {
    it('equals the RFC PROOF and verifies, for every pair of sizes up to 48', () => {
      for (let newSize = 1; newSize <= 48; newSize++) {
        for (let oldSize = 1; oldSize <= newSize; oldSize++) checkConsistency(oldSize, newSize);
      }
    });

    it('equals the RFC PROOF and verifies, for random sizes up to 300', () => {
      fc.assert(
        fc.property(sizePair(300), ([oldSize, newSize]) => checkConsistency(oldSize, newSize)),
        {
          numRuns: 300,
        },
      );
    });

    it('equals the RFC PROOF and verifies, up to 1000 leaves', () => {
      for (const oldSize of [1, 2, 511, 512, 513, 768, 999, 1000]) checkConsistency(oldSize, 1000);
      fc.assert(
        fc.property(sizePair(1000), ([oldSize, newSize]) => checkConsistency(oldSize, newSize)),
        {
          numRuns: 30,
        },
      );
    });

    it('is empty between equal sizes', () => {
      expect(consistencyProof(sha256, tree.readerAt(13), 13, 13)).toEqual([]);
      expect(verifyConsistency(sha256, 13, 13, rootOf(13), rootOf(13), [])).toBe(true);
    });

    it('is empty from the empty tree, which is a prefix of every tree', () => {
      expect(consistencyProof(sha256, tree.readerAt(13), 0, 13)).toEqual([]);
      expect(verifyConsistency(sha256, 0, 13, emptyTreeHash(sha256), rootOf(13), [])).toBe(true);
      expect(verifyConsistency(sha256, 0, 0, emptyTreeHash(sha256), emptyTreeHash(sha256), [])).toBe(true);
    });

    it.each([
      [6, 5],
      [-1, 5],
      [1, 1.5],
      [NaN, 5],
      [1, Infinity],
    ])('refuses to build a proof from size %p to size %p', (oldSize, newSize) => {
      expect(() => consistencyProof(sha256, tree.readerAt(1000), oldSize, newSize)).toThrow(RangeError);
    });
  });
});
