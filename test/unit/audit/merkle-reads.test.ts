import fc from 'fast-check';
import {
  consistencyProof,
  inclusionProof,
  MerkleFrontier,
  rootAt,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/domain/audit/merkle';
import { buildTree, MemoryNodeReader, sha256 } from './merkle-fixtures';

const SIZE = 100_000;
const LOG2_SIZE = Math.ceil(Math.log2(SIZE));
// The brief's ceiling, and the one actually met: one node per level plus one ragged right edge.
const QUADRATIC_CEILING = 4 * LOG2_SIZE ** 2;
const LINEAR_CEILING = 2 * LOG2_SIZE + 2;

describe('Merkle proofs read O(log n) nodes', () => {
  const tree = buildTree(SIZE);
  const frontierAt = (size: number) => new MerkleFrontier(sha256, size, tree.readerAt(size));

  function countReads<T>(size: number, work: (reader: MemoryNodeReader) => T): { result: T; reads: number } {
    const reader = tree.readerAt(size);
    const result = work(reader);
    return { result, reads: reader.reads };
  }

  it(`builds inclusion proofs in a ${SIZE}-leaf tree with at most ${LINEAR_CEILING} reads`, () => {
    const root = frontierAt(SIZE).root();
    const check = (index: number) => {
      const { result: proof, reads } = countReads(SIZE, (reader) =>
        inclusionProof(sha256, reader, index, SIZE),
      );
      expect(reads).toBeLessThanOrEqual(LINEAR_CEILING);
      expect(reads).toBeLessThan(QUADRATIC_CEILING);
      expect(verifyInclusion(sha256, index, SIZE, tree.leaves[index], proof, root)).toBe(true);
    };
    for (const index of [0, 1, 65_535, 65_536, 98_303, 99_998, 99_999]) check(index);
    fc.assert(fc.property(fc.integer({ min: 0, max: SIZE - 1 }), check), { numRuns: 200 });
  });

  it(`builds consistency proofs in a ${SIZE}-leaf tree with at most ${LINEAR_CEILING} reads`, () => {
    const check = (oldSize: number, newSize: number) => {
      const { result: proof, reads } = countReads(newSize, (reader) =>
        consistencyProof(sha256, reader, oldSize, newSize),
      );
      expect(reads).toBeLessThanOrEqual(LINEAR_CEILING);
      expect(reads).toBeLessThan(QUADRATIC_CEILING);
      const [oldRoot, newRoot] = [frontierAt(oldSize).root(), frontierAt(newSize).root()];
      expect(verifyConsistency(sha256, oldSize, newSize, oldRoot, newRoot, proof)).toBe(true);
    };
    for (const oldSize of [1, 2, 3, 65_535, 65_536, 65_537, 99_999, SIZE]) check(oldSize, SIZE);
    check(1, 2);
    check(43_690, 87_381);
    const pairs = fc
      .integer({ min: 1, max: SIZE })
      .chain((newSize) => fc.tuple(fc.integer({ min: 1, max: newSize }), fc.constant(newSize)));
    fc.assert(
      fc.property(pairs, ([oldSize, newSize]) => check(oldSize, newSize)),
      { numRuns: 200 },
    );
  });

  it('computes a root with one read per set bit of the size', () => {
    for (const size of [1, 65_536, 87_381, 99_999, SIZE]) {
      const { result: root, reads } = countReads(size, (reader) => rootAt(sha256, reader, size));
      expect(reads).toBe(size.toString(2).replace(/0/g, '').length);
      expect(root).toEqual(frontierAt(size).root());
    }
  });
});
