import { CheckpointPolicy, checkpointDueByCount } from '../../domain/audit/checkpoint-policy';
import { signCheckpoint } from '../../domain/audit/checkpoint';
import { CheckpointSigner } from '../../domain/ports/checkpoint-signer.port';
import { CheckpointTable } from './checkpoint-table';

export interface CheckpointSettings {
  readonly signer: CheckpointSigner;
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

  constructor(
    private readonly table: CheckpointTable,
    private readonly settings: CheckpointSettings,
    private readonly now: () => string,
  ) {
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
    const checkpoint = signCheckpoint(this.settings.signer, {
      size: tree.size,
      root: tree.root(),
      at: this.now(),
    });
    this.table.add(checkpoint);
    this.signedSize = checkpoint.size;
  }

  /** After a rolled-back transaction, what was written in it is gone; the table is the truth. */
  reload(): void {
    this.signedSize = this.table.latest()?.size ?? 0;
  }
}
