import { CheckpointPolicy, checkpointDueByCount } from '../../domain/audit/checkpoint-policy';
import { signCheckpoint, SignedCheckpoint } from '../../domain/audit/checkpoint';
import { CheckpointSigner, SigningKeySource } from '../../domain/ports/checkpoint-signer.port';
import { CheckpointTable } from './checkpoint-table';

export interface CheckpointSettings {
  readonly key: SigningKeySource;
  readonly policy: CheckpointPolicy;
  /** Where a failed timed checkpoint is reported; the next append or close tries again. */
  readonly onError?: (error: unknown) => void;
}

export interface TreeState {
  readonly size: number;
  root(): Uint8Array;
}

/** Decides when the tree is due a signed checkpoint and writes it, in the caller's transaction. */
export class Checkpointer {
  private signedSize = 0;

  private readonly signer: CheckpointSigner;

  constructor(
    private readonly table: CheckpointTable,
    private readonly settings: CheckpointSettings,
    private readonly now: () => string,
    /** The log's name: checkpoints of a named log are C2SP notes that carry it. */
    private readonly origin: () => string | undefined,
  ) {
    this.signer = signerFor(table.latest(), settings.key);
    this.reload();
  }

  /** The size of the latest checkpoint; 0 if there is none. */
  get latestSize(): number {
    return this.signedSize;
  }

  dueByCount(tree: TreeState): boolean {
    return checkpointDueByCount(this.settings.policy, tree.size - this.signedSize);
  }

  isBehind(tree: TreeState): boolean {
    return tree.size > this.signedSize;
  }

  write(tree: TreeState): void {
    const head = { size: tree.size, root: tree.root(), at: this.now() };
    const checkpoint = signCheckpoint(this.signer, head, this.origin());
    this.table.add(checkpoint);
    this.signedSize = checkpoint.size;
  }

  /** After a rolled-back transaction, what was written in it is gone; the table is the truth. */
  reload(): void {
    this.signedSize = this.table.latest()?.size ?? 0;
  }
}

/**
 * The key to sign with: the one that signed the newest checkpoint, or, for a log with none, the folder's
 * key or a first one. A missing or different key is refused: a new key would sign over the old history
 * without a word, and a third party holding the old public key could no longer tell.
 */
function signerFor(newest: SignedCheckpoint | undefined, key: SigningKeySource): CheckpointSigner {
  const existing = key.existing();
  if (newest === undefined) return existing ?? key.create();
  const signedBy = `the audit log's newest checkpoint (of ${newest.size} events) is signed by key ${newest.keyId}`;
  if (existing === undefined) {
    throw new Error(
      `${signedBy}, but ${key.location} is missing: put back that key file (from a backup of the data folder)`,
    );
  }
  if (existing.keyId !== newest.keyId) {
    throw new Error(
      `${signedBy}, but ${key.location} is key ${existing.keyId}: put back the key that signed it`,
    );
  }
  return existing;
}
