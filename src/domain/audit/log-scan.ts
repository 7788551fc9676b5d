import { AuditResult, failed, passed } from './audit-failure';
import { checkpointLabel, SignedCheckpoint } from './checkpoint';
import { KeyChain, PublicKeyReader, readKeyChain } from './key-chain';
import { parseEventRecord } from './event-record';
import { bytesEqual, HashFn } from './hash';
import { leafHash, MerkleFrontier, MerkleNodeReader, PerfectNode } from './merkle';
import { FerryEvent } from '../events';
import { AuditLogReader, StoredEventRecord } from '../ports/audit-log-reader.port';
import { SignatureVerifier } from '../ports/signature-verifier.port';

/** What one full pass over a sound log establishes. */
export interface ScannedLog {
  readonly size: number;
  /** Recomputed from the records, never read from the stored nodes. */
  readonly root: Uint8Array;
  readonly checkpoints: number;
  readonly latestCheckpoint: SignedCheckpoint | undefined;
}

/** Where a scan hands each event it found sound, in log order: e.g. a catalogue being folded afresh. */
export interface EventFold {
  /** Throws for an event that cannot be folded: the scan reports it as `RECORD_INVALID`. */
  fold(events: readonly FerryEvent[]): void;
}

/**
 * Recomputes the whole tree from the stored records and holds everything stored to it, in seq order, so
 * that the first failure reported names the first event found wrong: a gap, a record that is not the
 * event of its row, a record that no longer hashes to its stored leaf, a stored node that is not the hash
 * of its children, a checkpoint not signed by the trusted key or whose root the records do not give, and
 * checkpoints or leaves that reach past the last event (a removed tail). Each sound event goes to `fold`,
 * if given, before the next is read; an event it cannot take fails the scan there. One pass, O(n) time,
 * O(log n) memory: whatever the fold keeps, it keeps elsewhere.
 */
export function scanAuditLog(
  reader: AuditLogReader,
  hash: HashFn,
  trustedKey: SignatureVerifier | undefined,
  fold?: EventFold,
  publicKeyOf?: PublicKeyReader,
): AuditResult<ScannedLog> {
  const keys = trustedKey && readKeyChain(reader, trustedKey, publicKeyOf);
  if (keys && !keys.ok) return keys;
  return new LogScan(reader, hash, keys?.value, fold).run();
}

const NOTHING_STORED: MerkleNodeReader = {
  node: () => {
    throw new Error('an empty tree has no nodes');
  },
};

const PASS: AuditResult<void> = passed(undefined);

class LogScan {
  private readonly frontier: MerkleFrontier;
  private checkpointCount = 0;
  private latestCheckpoint: SignedCheckpoint | undefined;
  /** The log's name, once its LogNamed event is read: every named checkpoint after it must carry it. */
  private origin: string | undefined;

  constructor(
    private readonly reader: AuditLogReader,
    private readonly hash: HashFn,
    private readonly keys: KeyChain | undefined,
    private readonly target: EventFold | undefined,
  ) {
    this.frontier = new MerkleFrontier(hash, 0, NOTHING_STORED);
  }

  run(): AuditResult<ScannedLog> {
    const checkpoints = this.reader.checkpoints()[Symbol.iterator]();
    let pending = checkpoints.next();
    const checkReachedCheckpoints = (): AuditResult<void> => {
      while (!pending.done && pending.value.size <= this.frontier.size) {
        const checked = this.checkCheckpoint(pending.value);
        if (!checked.ok) return checked;
        pending = checkpoints.next();
      }
      return PASS;
    };

    let step = checkReachedCheckpoints();
    if (!step.ok) return step;
    for (const row of this.reader.records()) {
      step = this.addRecord(row);
      if (step.ok) step = checkReachedCheckpoints();
      if (!step.ok) return step;
    }
    if (!pending.done) return this.checkpointPastTheEnd(pending.value);
    const leaves = this.reader.storedLeafCount();
    if (leaves > this.frontier.size) {
      const size = this.frontier.size;
      return failed(
        'LOG_TRUNCATED',
        `the log ends at seq ${size} but leaf hashes are stored up to seq ${leaves}: ` +
          `events ${size + 1} to ${leaves} were removed`,
        { seq: size + 1 },
      );
    }
    const chained = this.keys?.finish();
    if (chained && !chained.ok) return chained;
    return passed({
      size: this.frontier.size,
      root: this.frontier.root(),
      checkpoints: this.checkpointCount,
      latestCheckpoint: this.latestCheckpoint,
    });
  }

  private addRecord(row: StoredEventRecord): AuditResult<void> {
    const expected = this.frontier.size + 1;
    if (row.seq !== expected) {
      const found =
        row.seq > expected ? `the log goes from seq ${expected - 1} to ${row.seq}` : `found ${row.seq}`;
      return failed('EVENT_GAP', `event ${expected} is missing: ${found}`, { seq: expected });
    }
    const event = parseEventRecord(row);
    if (!event.ok) return event;
    if (event.value.type === 'LogNamed') this.origin ??= event.value.payload.origin;

    const leaf = leafHash(this.hash, new TextEncoder().encode(row.record));
    const storedLeaf = this.reader.storedNode(0, row.seq - 1);
    if (storedLeaf === undefined) {
      return failed(
        'LEAF_MISMATCH',
        `event ${row.seq} has no stored leaf hash: it was added outside the server`,
        {
          seq: row.seq,
        },
      );
    }
    if (!bytesEqual(storedLeaf, leaf)) {
      return failed(
        'LEAF_MISMATCH',
        `event ${row.seq}: its record no longer hashes to the leaf stored when it was appended: it was edited`,
        { seq: row.seq },
      );
    }
    const parents = this.frontier.append(leaf).slice(1);
    for (const node of parents) {
      const checked = this.checkStoredNode(node);
      if (!checked.ok) return checked;
    }

    try {
      this.target?.fold([event.value]);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return failed('RECORD_INVALID', `event ${row.seq} cannot be folded into the catalogue: ${why}`, {
        seq: row.seq,
      });
    }
    return PASS;
  }

  /** Proofs are built from stored nodes, so each must be the hash the records give. */
  private checkStoredNode(node: PerfectNode): AuditResult<void> {
    const stored = this.reader.storedNode(node.level, node.index);
    if (stored !== undefined && bytesEqual(stored, node.hash)) return PASS;
    const width = 2 ** node.level;
    const first = node.index * width + 1;
    return failed(
      'NODE_MISMATCH',
      `the Merkle node over events ${first} to ${first + width - 1} ` +
        `(level ${node.level}, index ${node.index}) is ${stored === undefined ? 'missing' : 'wrong'}`,
    );
  }

  private checkCheckpoint(checkpoint: SignedCheckpoint): AuditResult<void> {
    const signed = this.checkSignature(checkpoint);
    if (!signed.ok) return signed;
    if (!bytesEqual(checkpoint.root, this.frontier.root())) {
      return failed(
        'CHECKPOINT_MISMATCH',
        `${checkpointLabel(checkpoint)} is not the root of events 1 to ` +
          `${checkpoint.size}: they were rewritten along with their Merkle nodes`,
      );
    }
    // A checkpoint of another log (its key copied here) signs another name, or a name before this log had
    // any; once named, the log signs every checkpoint with its name.
    if (checkpoint.origin !== this.origin) {
      return failed(
        'SIGNATURE_INVALID',
        `${checkpointLabel(checkpoint)} names ${checkpoint.origin === undefined ? 'no log' : `the log ${checkpoint.origin}`}, ` +
          `but this log is ${this.origin === undefined ? 'not named by then' : `named ${this.origin}`}`,
      );
    }
    this.checkpointCount++;
    this.latestCheckpoint = checkpoint;
    this.keys?.signed(checkpoint);
    return PASS;
  }

  /** A genuine checkpoint beyond the last event proves that events were removed since it was signed. */
  private checkpointPastTheEnd(checkpoint: SignedCheckpoint): AuditResult<never> {
    const signed = this.checkSignature(checkpoint);
    if (!signed.ok) return signed;
    const size = this.frontier.size;
    return failed(
      'LOG_TRUNCATED',
      `the log ends at seq ${size} but ${checkpointLabel(checkpoint)} ` +
        `was signed over more: events ${size + 1} to ${checkpoint.size} were removed`,
      { seq: size + 1 },
    );
  }

  private checkSignature(checkpoint: SignedCheckpoint): AuditResult<SignedCheckpoint> {
    if (this.keys === undefined) {
      return failed(
        'UNREADABLE',
        `checkpoint of size ${checkpoint.size} cannot be checked: there is no public key to check it with`,
      );
    }
    return this.keys.check(checkpoint);
  }
}
