import fc from 'fast-check';
import { consistencyProof, emptyTreeHash, verifyConsistency } from '../../../src/domain/audit/merkle';
import {
  buildTree,
  countingSha256,
  flipBit,
  growingSizes,
  naiveMth,
  sameHashList,
  sha256,
  throwingHash,
  mangledProofs,
} from './merkle-fixtures';

const tree = buildTree(300);
const roots = Array.from({ length: 301 }, (_, size) => naiveMth(tree.leaves.slice(0, size)));
const proofFor = (oldSize: number, newSize: number) =>
  consistencyProof(sha256, tree.readerAt(newSize), oldSize, newSize);
const bytes = (length: number, fill = 7) => new Uint8Array(length).fill(fill);

describe('Merkle verification against hostile input', () => {
  describe('verifyConsistency', () => {
    const verifies = (
      oldSize: number,
      newSize: number,
      oldRoot: Uint8Array,
      newRoot: Uint8Array,
      proof: Uint8Array[],
    ) => verifyConsistency(sha256, oldSize, newSize, oldRoot, newRoot, proof);

    it('rejects every single-bit flip of either root and every proof element (exhaustive, 4 pairs)', () => {
      for (const [oldSize, newSize] of [
        [6, 13],
        [8, 13],
        [1, 2],
        [7, 8],
      ]) {
        const proof = proofFor(oldSize, newSize);
        const [oldRoot, newRoot] = [roots[oldSize], roots[newSize]];
        for (let bit = 0; bit < 256; bit++) {
          expect(verifies(oldSize, newSize, flipBit(oldRoot, bit), newRoot, proof)).toBe(false);
          expect(verifies(oldSize, newSize, oldRoot, flipBit(newRoot, bit), proof)).toBe(false);
          proof.forEach((element, at) => {
            const tampered = proof.map((original, i) => (i === at ? flipBit(element, bit) : original));
            expect(verifies(oldSize, newSize, oldRoot, newRoot, tampered)).toBe(false);
          });
        }
      }
    });

    it('rejects a single-bit flip anywhere (random sizes)', () => {
      fc.assert(
        fc.property(
          growingSizes(300),
          fc.nat(),
          fc.integer({ min: 0, max: 255 }),
          ([oldSize, newSize], pick, bit) => {
            const proof = proofFor(oldSize, newSize);
            const [oldRoot, newRoot] = [roots[oldSize], roots[newSize]];
            const target = pick % (proof.length + 2);
            if (target === proof.length) {
              return expect(verifies(oldSize, newSize, flipBit(oldRoot, bit), newRoot, proof)).toBe(false);
            }
            if (target > proof.length) {
              return expect(verifies(oldSize, newSize, oldRoot, flipBit(newRoot, bit), proof)).toBe(false);
            }
            const tampered = proof.map((element, i) => (i === target ? flipBit(element, bit) : element));
            expect(verifies(oldSize, newSize, oldRoot, newRoot, tampered)).toBe(false);
          },
        ),
        { numRuns: 500 },
      );
    });

    it('accepts other sizes, with their own roots, only if the proof is their own proof', () => {
      fc.assert(
        fc.property(growingSizes(120), ([oldSize, newSize]) => {
          const proof = proofFor(oldSize, newSize);
          for (let otherOld = 1; otherOld <= newSize; otherOld++) {
            if (otherOld === oldSize) continue;
            const accepted = verifies(otherOld, newSize, roots[otherOld], roots[newSize], proof);
            expect(accepted).toBe(sameHashList(proof, proofFor(otherOld, newSize)));
          }
          for (let otherNew = oldSize; otherNew <= 300; otherNew++) {
            if (otherNew === newSize) continue;
            const accepted = verifies(oldSize, otherNew, roots[oldSize], roots[otherNew], proof);
            expect(accepted).toBe(sameHashList(proof, proofFor(oldSize, otherNew)));
          }
        }),
        { numRuns: 40 },
      );
    });

    it('binds the tree sizes only through the roots, so each must come from its signed tree head', () => {
      // PROOF(1, D[5]) and PROOF(1, D[6]) have the same shape: the verifier cannot tell which size was meant.
      expect(verifies(1, 6, roots[1], roots[5], proofFor(1, 5))).toBe(true);
      expect(verifies(1, 9, roots[1], roots[5], proofFor(1, 5))).toBe(false);
    });

    it('rejects truncated, extended, reordered and resized proofs', () => {
      fc.assert(
        fc.property(
          growingSizes(300),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          ([oldSize, newSize], extra) => {
            const proof = proofFor(oldSize, newSize);
            const rejects = (tampered: Uint8Array[]) =>
              expect(verifies(oldSize, newSize, roots[oldSize], roots[newSize], tampered)).toBe(false);
            rejects([]);
            rejects([roots[oldSize], ...proof]);
            for (const mangled of mangledProofs(proof, extra)) rejects(mangled);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('stops hashing an oversized proof once the root level is reached', () => {
      const counter = countingSha256();
      const padded = [...proofFor(100, 300), ...Array.from({ length: 10_000 }, () => tree.leaves[0])];
      expect(verifyConsistency(counter.hash, 100, 300, roots[100], roots[300], padded)).toBe(false);
      // One call sizes the digest; the rest hash at most two nodes per level of a 300-leaf tree.
      expect(counter.calls()).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(300)));
    });

    it('rejects a shrinking tree, even with the swapped proof', () => {
      fc.assert(
        fc.property(growingSizes(300), ([oldSize, newSize]) => {
          const proof = proofFor(oldSize, newSize);
          expect(verifies(newSize, oldSize, roots[newSize], roots[oldSize], proof)).toBe(false);
          expect(verifies(newSize, oldSize, roots[oldSize], roots[newSize], proof)).toBe(false);
          expect(verifies(newSize, oldSize, roots[newSize], roots[oldSize], [])).toBe(false);
        }),
        { numRuns: 100 },
      );
    });

    it('accepts equal sizes only with an empty proof and equal roots', () => {
      for (let size = 1; size <= 40; size++) {
        expect(verifies(size, size, roots[size], roots[size], [])).toBe(true);
        expect(verifies(size, size, roots[size], roots[size], [roots[size]])).toBe(false);
        expect(verifies(size, size, roots[size], roots[size], [tree.leaves[0]])).toBe(false);
        expect(verifies(size, size, roots[size], roots[size + 1], [])).toBe(false);
        expect(verifies(size, size, roots[size], flipBit(roots[size], 0), [])).toBe(false);
      }
    });

    it('accepts growth from the empty tree only with an empty proof and the empty-tree root', () => {
      const empty = emptyTreeHash(sha256);
      expect(verifies(0, 13, empty, roots[13], [])).toBe(true);
      expect(verifies(0, 13, empty, roots[13], [roots[13]])).toBe(false);
      expect(verifies(0, 13, empty, roots[13], proofFor(1, 13))).toBe(false);
      expect(verifies(0, 13, roots[13], roots[13], [])).toBe(false);
      expect(verifies(0, 13, flipBit(empty, 3), roots[13], [])).toBe(false);
      expect(verifies(0, 0, empty, roots[13], [])).toBe(false);
    });

    it.each<[string, number, number]>([
      ['old size > new size', 14, 13],
      ['negative old size', -1, 13],
      ['fractional old size', 5.5, 13],
      ['fractional new size', 6, 13.5],
      ['NaN old size', NaN, 13],
      ['NaN new size', 6, NaN],
      ['infinite new size', 6, Infinity],
      ['unsafe new size', 6, 2 ** 53],
    ])('rejects %s without throwing', (_label, oldSize, newSize) => {
      expect(verifies(oldSize, newSize, roots[6], roots[13], proofFor(6, 13))).toBe(false);
    });

    it('rejects hashes of the wrong length and values of the wrong type without throwing', () => {
      const proof = proofFor(6, 13);
      const cast = (value: unknown) => value as Uint8Array[];
      expect(verifies(6, 13, roots[6].slice(0, 31), roots[13], proof)).toBe(false);
      expect(verifies(6, 13, roots[6], Uint8Array.of(...roots[13], 0), proof)).toBe(false);
      expect(verifies(6, 13, roots[6], roots[13], cast(null))).toBe(false);
      expect(verifies(6, 13, roots[6], roots[13], cast({ length: 3 }))).toBe(false);
      // eslint-disable-next-line no-sparse-arrays
      expect(verifies(6, 13, roots[6], roots[13], cast([proof[0], , ...proof.slice(2)]))).toBe(false);
      expect(
        verifies(
          6,
          13,
          roots[6],
          roots[13],
          cast(proof.map((element) => Buffer.from(element).toString('hex'))),
        ),
      ).toBe(false);
      expect(verifies(0, 0, bytes(31), bytes(31), [])).toBe(false);
      expect(verifyConsistency(throwingHash, 6, 13, roots[6], roots[13], proof)).toBe(false);
    });
  });
});
