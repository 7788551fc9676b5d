import { StoredCosignature } from '../../src/domain/ports/cosignature-store.port';
import { generateKeyPairSync } from 'node:crypto';
import { canonicalJson, JsonValue } from '../../src/domain/audit/canonical-json';
import { signCheckpoint, SignedCheckpoint } from '../../src/domain/audit/checkpoint';
import { leafHash, MerkleFrontier, rootAt } from '../../src/domain/audit/merkle';
import { FerryEvent } from '../../src/domain/events';
import { AuditLogReader, StoredEventRecord } from '../../src/domain/ports/audit-log-reader.port';
import { Ed25519Signer, Ed25519Verifier } from '../../src/infra/crypto/ed25519-keys';
import { sha256 } from '../../src/infra/crypto/sha256';

export interface TestKey {
  readonly signer: Ed25519Signer;
  readonly verifier: Ed25519Verifier;
}

export function newTestKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signer: new Ed25519Signer(privateKey), verifier: new Ed25519Verifier(publicKey) };
}

export const CHECKPOINT_AT = '2024-01-02T00:00:00.000Z';

/**
 * An audit log held in plain maps, built the way the SQLite log builds its tables, and open to any edit
 * an attacker with write access could make: rows, nodes and checkpoints are all public and mutable.
 */
export class MemoryAuditLog implements AuditLogReader {
  rows: StoredEventRecord[] = [];
  readonly nodes = new Map<string, Uint8Array>();
  checkpointList: SignedCheckpoint[] = [];

  static build(
    events: readonly FerryEvent[],
    checkpointSizes: readonly number[],
    key: TestKey,
  ): MemoryAuditLog {
    const log = new MemoryAuditLog();
    log.rows = events.map((event) => ({
      seq: event.seq,
      record: canonicalJson(event as unknown as JsonValue),
    }));
    log.rebuildNodes();
    log.checkpointList = checkpointSizes.map((size) => log.sign(size, key));
    return log;
  }

  /** Recomputes every node from the rows as they now are: what an attacker covering their tracks does. */
  rebuildNodes(): void {
    this.nodes.clear();
    const frontier = new MerkleFrontier(sha256, 0, this.nodeReader());
    for (const row of this.rows) {
      for (const node of frontier.append(leafHash(sha256, Buffer.from(row.record, 'utf8')))) {
        this.nodes.set(`${node.level}/${node.index}`, node.hash);
      }
    }
  }

  sign(size: number, key: TestKey): SignedCheckpoint {
    return signCheckpoint(key.signer, {
      size,
      root: rootAt(sha256, this.nodeReader(), size),
      at: CHECKPOINT_AT,
    });
  }

  nodeReader() {
    return {
      node: (level: number, index: number) => {
        const hash = this.nodes.get(`${level}/${index}`);
        if (hash === undefined) throw new Error(`no node ${level}/${index}`);
        return hash;
      },
    };
  }

  editRecord(seq: number, edit: (record: string) => string): void {
    this.rows = this.rows.map((row) => (row.seq === seq ? { seq, record: edit(row.record) } : row));
  }

  snapshot<T>(work: () => T): T {
    return work();
  }

  records(): Iterable<StoredEventRecord> {
    return [...this.rows].sort((a, b) => a.seq - b.seq);
  }

  record(seq: number): StoredEventRecord | undefined {
    return this.rows.find((row) => row.seq === seq);
  }

  storedNode(level: number, index: number): Uint8Array | undefined {
    return this.nodes.get(`${level}/${index}`);
  }

  storedLeafCount(): number {
    let count = 0;
    for (const key of this.nodes.keys()) {
      const [level, index] = key.split('/').map(Number);
      if (level === 0) count = Math.max(count, index + 1);
    }
    return count;
  }

  checkpoints(): Iterable<SignedCheckpoint> {
    return [...this.checkpointList].sort((a, b) => a.size - b.size);
  }

  latestCheckpoint(): SignedCheckpoint | undefined {
    return [...this.checkpoints()].pop();
  }

  checkpointOfSize(size: number): SignedCheckpoint | undefined {
    return this.checkpointList.find((checkpoint) => checkpoint.size === size);
  }

  /** Cosignatures as a test puts them. */
  readonly storedCosignatures: StoredCosignature[] = [];

  cosignaturesOf(size: number): StoredCosignature[] {
    return this.storedCosignatures.filter((each) => each.size === size);
  }

  cosignatures(): Iterable<StoredCosignature> {
    return [...this.storedCosignatures].sort((a, b) => b.size - a.size);
  }

  keyRotations(): StoredEventRecord[] {
    return [...this.records()].filter((row) => row.record.includes('"type":"SigningKeyRotated"'));
  }

  close(): void {}
}
