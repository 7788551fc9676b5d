import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../src/domain/audit/canonical-json';
import { HashFn } from '../../../src/domain/audit/hash';
import { leafHash, MerkleFrontier, MerkleNodeReader } from '../../../src/domain/audit/merkle';

export const sha256: HashFn = (data) => new Uint8Array(createHash('sha256').update(data).digest());

export function eventBytes(seq: number): Uint8Array {
  return new TextEncoder().encode(canonicalJson({ kind: 'upload', name: `file-${seq}.bin`, seq }));
}

/**
 * The reference: RFC 9162 sections 2.1.1, 2.1.3.1 and 2.1.4.1 transcribed directly, recursing over the full
 * list of leaf hashes with its own node hashing, so that it shares no code with the module under test.
 */
function referenceNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(Buffer.concat([Buffer.of(0x01), left, right]));
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function naiveMth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  if (leaves.length === 1) return leaves[0];
  const k = splitPoint(leaves.length);
  return referenceNode(naiveMth(leaves.slice(0, k)), naiveMth(leaves.slice(k)));
}

export function naivePath(m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length === 1) return [];
  const k = splitPoint(leaves.length);
  return m < k
    ? [...naivePath(m, leaves.slice(0, k)), naiveMth(leaves.slice(k))]
    : [...naivePath(m - k, leaves.slice(k)), naiveMth(leaves.slice(0, k))];
}

export function naiveProof(m: number, leaves: Uint8Array[]): Uint8Array[] {
  return naiveSubproof(m, leaves, true);
}

function naiveSubproof(m: number, leaves: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === leaves.length) return b ? [] : [naiveMth(leaves)];
  const k = splitPoint(leaves.length);
  return m <= k
    ? [...naiveSubproof(m, leaves.slice(0, k), b), naiveMth(leaves.slice(k))]
    : [...naiveSubproof(m - k, leaves.slice(k), false), naiveMth(leaves.slice(0, k))];
}

export function nodeKey(level: number, index: number): string {
  return `${level}/${index}`;
}

/** Stands in for the SQLite node table; refuses nodes the tree of the given size could not have yet. */
export class MemoryNodeReader implements MerkleNodeReader {
  reads = 0;

  constructor(
    private readonly nodes: ReadonlyMap<string, Uint8Array>,
    private readonly treeSize: number,
  ) {}

  node(level: number, index: number): Uint8Array {
    this.reads++;
    if ((index + 1) * 2 ** level > this.treeSize) {
      throw new Error(`node ${nodeKey(level, index)} lies beyond a tree of size ${this.treeSize}`);
    }
    const hash = this.nodes.get(nodeKey(level, index));
    if (hash === undefined) throw new Error(`node ${nodeKey(level, index)} was never stored`);
    return hash;
  }
}

export interface TreeFixture {
  readonly leaves: Uint8Array[];
  readonly nodes: Map<string, Uint8Array>;
  readerAt(treeSize: number): MemoryNodeReader;
}

/** Built through MerkleFrontier.append, exactly as the log will fill its node table. */
export function buildTree(size: number): TreeFixture {
  const nodes = new Map<string, Uint8Array>();
  const frontier = new MerkleFrontier(sha256, 0, new MemoryNodeReader(nodes, 0));
  const leaves: Uint8Array[] = [];
  for (let seq = 0; seq < size; seq++) {
    const leaf = leafHash(sha256, eventBytes(seq));
    leaves.push(leaf);
    for (const node of frontier.append(leaf)) nodes.set(nodeKey(node.level, node.index), node.hash);
  }
  return { leaves, nodes, readerAt: (treeSize) => new MemoryNodeReader(nodes, treeSize) };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function hexList(list: Uint8Array[]): string[] {
  return list.map(hex);
}

export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] ^= 1 << (bit & 7);
  return copy;
}

export function sameHashList(a: Uint8Array[], b: Uint8Array[]): boolean {
  return JSON.stringify(hexList(a)) === JSON.stringify(hexList(b));
}

/** SHA-256 that counts its calls, to show how much work a hostile proof can make a verifier do. */
export function countingSha256(): { hash: HashFn; calls: () => number } {
  let calls = 0;
  return {
    hash: (data) => {
      calls++;
      return sha256(data);
    },
    calls: () => calls,
  };
}

export const throwingHash: HashFn = () => {
  throw new Error('hash unavailable');
};

/** A leaf index and a tree size with 0 <= index < size <= maxSize. */
export const leafInTree = (maxSize: number) =>
  fc
    .integer({ min: 1, max: maxSize })
    .chain((size) => fc.tuple(fc.integer({ min: 0, max: size - 1 }), fc.constant(size)));

/** Two tree sizes with 1 <= oldSize <= newSize <= maxSize. */
export const sizePair = (maxSize: number) =>
  fc
    .integer({ min: 1, max: maxSize })
    .chain((newSize) => fc.tuple(fc.integer({ min: 1, max: newSize }), fc.constant(newSize)));

/** Two tree sizes with 1 <= oldSize < newSize <= maxSize: the case the RFC algorithm itself covers. */
export const growingSizes = (maxSize: number) =>
  fc
    .integer({ min: 2, max: maxSize })
    .chain((newSize) => fc.tuple(fc.integer({ min: 1, max: newSize - 1 }), fc.constant(newSize)));

/**
 * Every way a non-empty proof can be mangled without flipping a bit: elements added, dropped,
 * duplicated, cut short, lengthened, swapped or reordered. A verifier must refuse all of them.
 */
export function mangledProofs(proof: Uint8Array[], extra: Uint8Array): Uint8Array[][] {
  const mangled = [
    [...proof, extra],
    [extra, ...proof],
    [...proof, ...proof],
    proof.slice(1),
    proof.slice(0, -1),
    [...proof, proof[proof.length - 1]],
    proof.map((element, i) => (i === 0 ? element.slice(0, 31) : element)),
    proof.map((element, i) => (i === proof.length - 1 ? Uint8Array.of(...element, 0) : element)),
  ];
  if (proof.length >= 2) mangled.push([proof[1], proof[0], ...proof.slice(2)], [...proof].reverse());
  return mangled;
}
