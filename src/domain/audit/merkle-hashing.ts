import { concatBytes, HashFn } from './hash';

/**
 * Merkle Tree Hash of RFC 9162 section 2.1.1. The 0x00 / 0x01 prefixes separate the leaf and node domains,
 * so an interior node can never be passed off as a leaf (second-preimage protection).
 */
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

export function leafHash(hash: HashFn, canonicalEventBytes: Uint8Array): Uint8Array {
  return hash(concatBytes(LEAF_PREFIX, canonicalEventBytes));
}

export function nodeHash(hash: HashFn, left: Uint8Array, right: Uint8Array): Uint8Array {
  return hash(concatBytes(NODE_PREFIX, left, right));
}

export function emptyTreeHash(hash: HashFn): Uint8Array {
  return hash(new Uint8Array(0));
}

/**
 * A perfect node (level L, index i) is the root of the perfect subtree over leaves [i * 2^L, (i + 1) * 2^L);
 * level 0 holds the leaf hashes. Perfect nodes never change once their last leaf is appended, which is
 * what lets them be stored once and read forever.
 */
export interface PerfectNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

/** Synchronous and throwing: a missing node must abort proof generation, not produce a wrong proof. */
export interface MerkleNodeReader {
  node(level: number, index: number): Uint8Array;
}

/**
 * Tree sizes go beyond 2^32, where JavaScript's bitwise operators silently wrap; all index arithmetic is
 * therefore done with exact integer arithmetic on doubles, valid up to Number.MAX_SAFE_INTEGER.
 */
export function isTreeSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isOdd(value: number): boolean {
  return value % 2 === 1;
}

export function halve(value: number): number {
  return Math.floor(value / 2);
}

export function isPowerOfTwo(value: number): boolean {
  return value > 0 && 2 ** exactLevel(value) === value;
}

/** The split point k of RFC 9162: the largest power of two strictly smaller than n (n > 1). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** log2 of the largest power of two not above the value. */
export function exactLevel(value: number): number {
  let level = 0;
  while (2 ** (level + 1) <= value) level++;
  return level;
}

function requireRange(start: number, end: number): void {
  if (!isTreeSize(start) || !isTreeSize(end) || start > end) {
    throw new RangeError(`merkle: [${start}, ${end}) is not a range of leaves`);
  }
}

/**
 * MTH(D[start:end]) from O(log n) perfect nodes. Each RFC split peels a perfect left part off the range,
 * provided start is a multiple of the split; that holds for every subtree the RFC's PATH and PROOF ask
 * about, and a range that breaks it is no subtree of the log.
 */
export function subtreeHash(hash: HashFn, reader: MerkleNodeReader, start: number, end: number): Uint8Array {
  requireRange(start, end);
  if (start === end) return emptyTreeHash(hash);
  const leftParts: Uint8Array[] = [];
  let cursor = start;
  while (!isPerfectNode(cursor, end - cursor)) {
    const split = largestPowerOfTwoBelow(end - cursor);
    if (cursor % split !== 0) throw new RangeError(`merkle: [${start}, ${end}) is not a subtree of the log`);
    leftParts.push(reader.node(exactLevel(split), cursor / split));
    cursor += split;
  }
  const width = end - cursor;
  let accumulated = reader.node(exactLevel(width), cursor / width);
  for (let i = leftParts.length - 1; i >= 0; i--) accumulated = nodeHash(hash, leftParts[i], accumulated);
  return accumulated;
}

function isPerfectNode(start: number, width: number): boolean {
  return isPowerOfTwo(width) && start % width === 0;
}

export function rootAt(hash: HashFn, reader: MerkleNodeReader, treeSize: number): Uint8Array {
  return subtreeHash(hash, reader, 0, treeSize);
}

/**
 * The right edge of the tree: one perfect node per set bit of the size, largest first. That is all an
 * appender needs, so appending costs O(log n) hashes and no reads, however large the log grows.
 */
export class MerkleFrontier {
  private readonly peaks: PerfectNode[] = [];
  private readonly digestLength: number;
  private leafCount: number;

  constructor(
    private readonly hash: HashFn,
    treeSize: number,
    reader: MerkleNodeReader,
  ) {
    if (!isTreeSize(treeSize)) throw new RangeError(`MerkleFrontier: ${treeSize} is not a tree size`);
    this.digestLength = emptyTreeHash(hash).length;
    this.leafCount = treeSize;
    let covered = 0;
    for (let level = exactLevel(treeSize); covered < treeSize; level--) {
      const width = 2 ** level;
      if (treeSize - covered < width) continue;
      const index = covered / width;
      this.peaks.push({ level, index, hash: this.checkedDigest(reader.node(level, index)) });
      covered += width;
    }
  }

  get size(): number {
    return this.leafCount;
  }

  /** Returns the leaf and every parent the carry completed, lowest first, for the caller to store. */
  append(leafHashValue: Uint8Array): PerfectNode[] {
    if (this.leafCount >= Number.MAX_SAFE_INTEGER) throw new RangeError('MerkleFrontier: the log is full');
    let carry: PerfectNode = { level: 0, index: this.leafCount, hash: this.checkedDigest(leafHashValue) };
    const created: PerfectNode[] = [carry];
    while (this.peaks.length > 0 && this.peaks[this.peaks.length - 1].level === carry.level) {
      const left = this.peaks.pop() as PerfectNode;
      carry = {
        level: carry.level + 1,
        index: left.index / 2,
        hash: nodeHash(this.hash, left.hash, carry.hash),
      };
      created.push(carry);
    }
    this.peaks.push(carry);
    this.leafCount++;
    // Copies, so that a caller reusing its buffers cannot rewrite the frontier's history.
    return created.map((node) => ({ ...node, hash: node.hash.slice() }));
  }

  root(): Uint8Array {
    if (this.peaks.length === 0) return emptyTreeHash(this.hash);
    let accumulated: Uint8Array = this.peaks[this.peaks.length - 1].hash.slice();
    for (let i = this.peaks.length - 2; i >= 0; i--) {
      accumulated = nodeHash(this.hash, this.peaks[i].hash, accumulated);
    }
    return accumulated;
  }

  private checkedDigest(value: Uint8Array): Uint8Array {
    if (!(value instanceof Uint8Array) || value.length !== this.digestLength) {
      throw new TypeError(`MerkleFrontier: expected a ${this.digestLength}-byte hash`);
    }
    return value.slice();
  }
}
