import fc from 'fast-check';
import { inclusionProof, verifyInclusion } from '../../../src/domain/audit/merkle';
import {
  buildTree,
  countingSha256,
  flipBit,
  leafInTree,
  naiveMth,
  sameHashList,
  sha256,
  throwingHash,
  mangledProofs,
} from './merkle-fixtures';

const tree = buildTree(300);
const roots = Array.from({ length: 301 }, (_, size) => naiveMth(tree.leaves.slice(0, size)));
const pathFor = (index: number, size: number) => inclusionProof(sha256, tree.readerAt(size), index, size);

describe('Merkle verification against hostile input', () => {
  describe('verifyInclusion', () => {
    const verifies = (index: number, size: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array) =>
      verifyInclusion(sha256, index, size, leaf, proof, root);

    it('rejects every single-bit flip of the leaf, the root and each proof element (3 trees)', () => {
      for (const [index, size] of [
        [5, 13],
        [12, 13],
        [0, 16],
      ]) {
        const proof = pathFor(index, size);
        const leaf = tree.leaves[index];
        for (let bit = 0; bit < 256; bit++) {
          expect(verifies(index, size, flipBit(leaf, bit), proof, roots[size])).toBe(false);
          expect(verifies(index, size, leaf, proof, flipBit(roots[size], bit))).toBe(false);
          proof.forEach((element, at) => {
            const tampered = proof.map((original, i) => (i === at ? flipBit(element, bit) : original));
            expect(verifies(index, size, leaf, tampered, roots[size])).toBe(false);
          });
        }
      }
    });

    it('rejects a single-bit flip anywhere (random trees)', () => {
      fc.assert(
        fc.property(
          leafInTree(300),
          fc.nat(),
          fc.integer({ min: 0, max: 255 }),
          ([index, size], pick, bit) => {
            const proof = pathFor(index, size);
            const leaf = tree.leaves[index];
            const target = pick % (proof.length + 2);
            const tampered = proof.map((element, i) => (i === target ? flipBit(element, bit) : element));
            const tamperedLeaf = target === proof.length ? flipBit(leaf, bit) : leaf;
            const tamperedRoot = target > proof.length ? flipBit(roots[size], bit) : roots[size];
            expect(verifies(index, size, tamperedLeaf, tampered, tamperedRoot)).toBe(false);
          },
        ),
        { numRuns: 500 },
      );
    });

    it('accepts another index only if the proof is that index’s own path', () => {
      fc.assert(
        fc.property(leafInTree(150), ([index, size]) => {
          const proof = pathFor(index, size);
          for (let other = 0; other < size; other++) {
            if (other === index) continue;
            expect(verifies(other, size, tree.leaves[index], proof, roots[size])).toBe(false);
            const genuine = verifies(other, size, tree.leaves[other], proof, roots[size]);
            expect(genuine).toBe(sameHashList(proof, pathFor(other, size)));
          }
        }),
        { numRuns: 40 },
      );
    });

    it('accepts another tree size, with that size’s root, only if the proof is its own path', () => {
      fc.assert(
        fc.property(leafInTree(150), ([index, size]) => {
          const proof = pathFor(index, size);
          for (let other = index + 1; other <= 300; other++) {
            if (other === size) continue;
            expect(verifies(index, other, tree.leaves[index], proof, roots[other])).toBe(
              sameHashList(proof, pathFor(index, other)),
            );
          }
        }),
        { numRuns: 40 },
      );
    });

    it('binds the tree size only through the root, so both must come from one signed tree head', () => {
      // PATH(0, D[5]) and PATH(0, D[6]) have the same shape: the verifier cannot tell which size was meant.
      expect(verifies(0, 6, tree.leaves[0], pathFor(0, 5), roots[5])).toBe(true);
      // A size that changes the shape is caught by the algorithm itself.
      expect(verifies(0, 9, tree.leaves[0], pathFor(0, 5), roots[5])).toBe(false);
      expect(verifies(0, 4, tree.leaves[0], pathFor(0, 5), roots[5])).toBe(false);
    });

    it('rejects truncated, extended, reordered and resized proofs', () => {
      fc.assert(
        fc.property(
          leafInTree(300),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          ([index, size], extra) => {
            const proof = pathFor(index, size);
            const leaf = tree.leaves[index];
            const root = roots[size];
            const rejects = (tampered: Uint8Array[]) =>
              expect(verifies(index, size, leaf, tampered, root)).toBe(false);
            rejects([...proof, extra]);
            rejects([extra, ...proof]);
            if (proof.length === 0) return;
            for (const mangled of mangledProofs(proof, extra)) rejects(mangled);
          },
        ),
        { numRuns: 300 },
      );
    });

    it.each<[string, number, number]>([
      ['index == size', 13, 13],
      ['index > size', 14, 13],
      ['index of an empty tree', 0, 0],
      ['negative index', -1, 13],
      ['fractional index', 4.5, 13],
      ['fractional size', 4, 13.5],
      ['NaN index', NaN, 13],
      ['NaN size', 4, NaN],
      ['infinite size', 4, Infinity],
      ['unsafe size', 4, 2 ** 53],
      ['negative size', 4, -13],
    ])('rejects %s without throwing', (_label, index, size) => {
      const proof = pathFor(4, 13);
      expect(verifies(index, size, tree.leaves[4], proof, roots[13])).toBe(false);
    });

    it('rejects hashes of the wrong length and values of the wrong type without throwing', () => {
      const proof = pathFor(4, 13);
      const leaf = tree.leaves[4];
      const cast = (value: unknown) => value as Uint8Array[];
      expect(verifies(4, 13, leaf.slice(0, 31), proof, roots[13])).toBe(false);
      expect(verifies(4, 13, leaf, proof, roots[13].slice(0, 31))).toBe(false);
      expect(verifies(4, 13, leaf, proof, Uint8Array.of(...roots[13], 0))).toBe(false);
      expect(verifies(4, 13, leaf, cast(undefined), roots[13])).toBe(false);
      expect(verifies(4, 13, leaf, cast('proof'), roots[13])).toBe(false);
      expect(verifies(4, 13, leaf, cast(proof.map((element) => Array.from(element))), roots[13])).toBe(false);
      // eslint-disable-next-line no-sparse-arrays
      expect(verifies(4, 13, leaf, cast([proof[0], , proof[2], proof[3]]), roots[13])).toBe(false);
      expect(verifies(4, 13, leaf, cast([...proof, null]), roots[13])).toBe(false);
      expect(verifies(4, 13, cast(null) as unknown as Uint8Array, proof, roots[13])).toBe(false);
      expect(verifyInclusion(throwingHash, 4, 13, leaf, proof, roots[13])).toBe(false);
    });

    it('stops hashing an oversized proof once the root level is reached', () => {
      const counter = countingSha256();
      const padded = [...pathFor(100, 300), ...Array.from({ length: 10_000 }, () => tree.leaves[0])];
      expect(verifyInclusion(counter.hash, 100, 300, tree.leaves[100], padded, roots[300])).toBe(false);
      // One call sizes the digest; the rest hash one node per level of a 300-leaf tree.
      expect(counter.calls()).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(300)));
    });

    it('rejects the empty proof for any tree larger than one leaf', () => {
      for (let size = 2; size <= 40; size++) {
        expect(verifies(0, size, tree.leaves[0], [], roots[size])).toBe(false);
      }
      expect(verifies(0, 2, tree.leaves[0], [], tree.leaves[0])).toBe(false);
    });
  });
});
