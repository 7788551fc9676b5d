import fc from 'fast-check';
import {
  emptyTreeHash,
  leafHash,
  MerkleFrontier,
  nodeHash,
  rootAt,
  subtreeHash,
} from '../../../src/domain/audit/merkle';
import { buildTree, eventBytes, hex, MemoryNodeReader, naiveMth, nodeKey, sha256 } from './merkle-fixtures';

const tree = buildTree(1000);

// The test vectors of the Certificate Transparency reference implementation (RFC 6962 / RFC 9162 trees).
const CT_LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('Merkle tree hashing', () => {
  describe('known answers', () => {
    it('hashes the empty tree to SHA-256 of nothing', () => {
      const expected = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
      expect(hex(emptyTreeHash(sha256))).toBe(expected);
      expect(hex(new MerkleFrontier(sha256, 0, tree.readerAt(0)).root())).toBe(expected);
      expect(hex(rootAt(sha256, tree.readerAt(0), 0))).toBe(expected);
      expect(hex(naiveMth([]))).toBe(expected);
    });

    it('prefixes leaves with 0x00 and nodes with 0x01', () => {
      const data = eventBytes(7);
      const left = sha256(Uint8Array.of(1));
      const right = sha256(Uint8Array.of(2));
      expect(leafHash(sha256, data)).toEqual(sha256(Buffer.concat([Buffer.of(0), data])));
      expect(nodeHash(sha256, left, right)).toEqual(sha256(Buffer.concat([Buffer.of(1), left, right])));
    });

    it('makes the root of a one-leaf tree its leaf hash', () => {
      const frontier = new MerkleFrontier(sha256, 0, tree.readerAt(0));
      frontier.append(tree.leaves[0]);
      expect(frontier.root()).toEqual(leafHash(sha256, eventBytes(0)));
      expect(rootAt(sha256, tree.readerAt(1), 1)).toEqual(tree.leaves[0]);
    });

    it('reproduces the Certificate Transparency test vectors', () => {
      const frontier = new MerkleFrontier(sha256, 0, tree.readerAt(0));
      const leaves = CT_LEAF_INPUTS.map((input) => leafHash(sha256, Buffer.from(input, 'hex')));
      leaves.forEach((leaf, i) => {
        frontier.append(leaf);
        expect(hex(frontier.root())).toBe(CT_ROOTS[i]);
        expect(hex(naiveMth(leaves.slice(0, i + 1)))).toBe(CT_ROOTS[i]);
      });
    });
  });

  describe('MerkleFrontier', () => {
    it('matches the reference root after every append up to 1000 leaves', () => {
      const frontier = new MerkleFrontier(sha256, 0, tree.readerAt(0));
      for (let size = 1; size <= 1000; size++) {
        frontier.append(tree.leaves[size - 1]);
        expect(frontier.size).toBe(size);
        if (size <= 300 || size % 97 === 0 || size === 1000) {
          expect(hex(frontier.root())).toBe(hex(naiveMth(tree.leaves.slice(0, size))));
        }
      }
    });

    it('returns the leaf and each parent completed by the carry, with correct hashes', () => {
      const frontier = new MerkleFrontier(sha256, 0, tree.readerAt(0));
      for (let size = 0; size < 300; size++) {
        const created = frontier.append(tree.leaves[size]);
        const trailingOnes = size.toString(2).length - size.toString(2).replace(/1+$/, '').length;
        expect(created.map((node) => node.level)).toEqual(
          Array.from({ length: trailingOnes + 1 }, (_, i) => i),
        );
        for (const node of created) {
          const width = 2 ** node.level;
          expect(node.index).toBe(Math.floor(size / width));
          expect(hex(node.hash)).toBe(
            hex(naiveMth(tree.leaves.slice(node.index * width, (node.index + 1) * width))),
          );
        }
      }
    });

    it('resumes from stored nodes with one read per set bit, then behaves as if never stopped', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 40 }), (size, more) => {
          const reader = tree.readerAt(size);
          const resumed = new MerkleFrontier(sha256, size, reader);
          expect(reader.reads).toBe(size.toString(2).replace(/0/g, '').length);
          expect(resumed.size).toBe(size);
          expect(hex(resumed.root())).toBe(hex(naiveMth(tree.leaves.slice(0, size))));
          for (let seq = size; seq < size + more; seq++) {
            for (const node of resumed.append(tree.leaves[seq])) {
              expect(hex(node.hash)).toBe(hex(tree.nodes.get(nodeKey(node.level, node.index)) as Uint8Array));
            }
          }
          expect(hex(resumed.root())).toBe(hex(naiveMth(tree.leaves.slice(0, size + more))));
          expect(reader.reads).toBe(size.toString(2).replace(/0/g, '').length);
        }),
      );
    });

    it('is not disturbed when the caller reuses its buffers', () => {
      const frontier = new MerkleFrontier(sha256, 0, tree.readerAt(0));
      const leaf = tree.leaves[0].slice();
      const [stored] = frontier.append(leaf);
      leaf.fill(0);
      stored.hash.fill(0);
      frontier.root().fill(0);
      expect(frontier.root()).toEqual(tree.leaves[0]);
    });

    it.each([-1, 1.5, NaN, Infinity, 2 ** 53])('rejects the tree size %p', (size) => {
      expect(() => new MerkleFrontier(sha256, size, tree.readerAt(1000))).toThrow(RangeError);
    });

    it('rejects a leaf hash of the wrong length', () => {
      const frontier = new MerkleFrontier(sha256, 0, tree.readerAt(0));
      expect(() => frontier.append(new Uint8Array(31))).toThrow(TypeError);
      expect(frontier.size).toBe(0);
    });

    it('propagates a missing node instead of inventing one', () => {
      expect(() => new MerkleFrontier(sha256, 5, new MemoryNodeReader(new Map(), 5))).toThrow(/never stored/);
    });
  });

  describe('rootAt and subtreeHash', () => {
    it('match the reference root for every size up to 300', () => {
      for (let size = 0; size <= 300; size++) {
        expect(hex(rootAt(sha256, tree.readerAt(size), size))).toBe(
          hex(naiveMth(tree.leaves.slice(0, size))),
        );
      }
    });

    it('match the reference root for random sizes up to 1000', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1000 }), (size) => {
          expect(hex(rootAt(sha256, tree.readerAt(size), size))).toBe(
            hex(naiveMth(tree.leaves.slice(0, size))),
          );
        }),
      );
    });

    it('hash any range starting on a multiple of its first split like the reference', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 512 }), fc.nat(), (width, slot) => {
          let split = 1;
          while (split * 2 < width) split *= 2;
          const start = split * (slot % (Math.floor((1000 - width) / split) + 1));
          expect(hex(subtreeHash(sha256, tree.readerAt(1000), start, start + width))).toBe(
            hex(naiveMth(tree.leaves.slice(start, start + width))),
          );
        }),
      );
    });

    it('refuses ranges that are not subtrees of the log', () => {
      const reader = tree.readerAt(1000);
      expect(() => subtreeHash(sha256, reader, 1, 4)).toThrow(RangeError);
      expect(() => subtreeHash(sha256, reader, 6, 11)).toThrow(RangeError);
      expect(() => subtreeHash(sha256, reader, 3, 7)).toThrow(RangeError);
      expect(() => subtreeHash(sha256, reader, 5, 4)).toThrow(RangeError);
      expect(() => subtreeHash(sha256, reader, -1, 4)).toThrow(RangeError);
    });
  });
});
