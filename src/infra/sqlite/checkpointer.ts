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

  private signer: CheckpointSigner;
  /** The key in force when the log opened: still in force while the log names no other. */
  private readonly opening: CheckpointSigner;
  /** Every key this process has signed with or may sign with, by id: a reload only ever picks among them. */
  private readonly signers = new Map<string, CheckpointSigner>();

  constructor(
    private readonly table: CheckpointTable,
    private readonly settings: CheckpointSettings,
    private readonly now: () => string,
    /** The log's name: checkpoints of a named log are C2SP notes that carry it. */
    private readonly origin: () => string | undefined,
    /** The log's last key change as this connection sees it, if any: its seq and the key it put in force. */
    private readonly latestRotation: () => KeyRotation | undefined,
  ) {
    this.signer = signerFor(table.latest(), settings.key, latestRotation());
    this.opening = this.signer;
    this.signers.set(this.signer.keyId, this.signer);
    this.signedSize = table.latest()?.size ?? 0;
  }

  /** The id of the key the next checkpoint is signed with. */
  get signingKeyId(): string {
    return this.signer.keyId;
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

  /**
   * A key change was just signed by the current key: checkpoints from here on are the new key's, which
   * waits beside the current one until the change is committed and it takes the current one's place.
   */
  rotateTo(keyId: string): void {
    const next = this.settings.key.pending();
    if (next?.keyId !== keyId) throw new Error(`the new key ${keyId} is not beside the current one`);
    this.signers.set(next.keyId, next);
    this.signer = next;
  }

  /**
   * After a rollback (of a batch, or of a savepoint inside one), what was written in it is gone, a key
   * change included: the key in force is again the one the log names as this connection now sees it, the
   * last key change's, else the newest checkpoint's, else the one it opened with. Touches no key file: keys are only read, made or
   * put in place when the log opens and by a rotation, never on a path that is cleaning up a failure.
   */
  reload(): void {
    const latest = this.table.latest();
    this.signedSize = latest?.size ?? 0;
    const inForce = this.latestRotation()?.keyId ?? latest?.keyId ?? this.opening.keyId;
    this.signer = this.signers.get(inForce) ?? this.signer;
  }
}

/**
 * The key to sign with: the one that signed the newest checkpoint, or, for a log with none, the folder's
 * key or a first one. A missing or different key is refused: a new key would sign over the old history
 * without a word, and a third party holding the old public key could no longer tell.
 */
function signerFor(
  newest: SignedCheckpoint | undefined,
  key: SigningKeySource,
  rotation: KeyRotation | undefined,
): CheckpointSigner {
  let existing = key.existing();
  if (newest === undefined) return existing ?? key.create();
  // A key change is signed by the previous key in a checkpoint of its own size; from there, the new key.
  const rotated = rotation !== undefined && rotation.seq === newest.size;
  const inForce = rotated ? rotation.keyId : newest.keyId;
  // A rotation cut short after the log recorded it: its new key is still beside the old one.
  if (existing?.keyId !== inForce && key.pending()?.keyId === inForce) existing = key.promote();
  const signedBy = rotated
    ? `the audit log changed its key to ${inForce} in event ${rotation.seq}`
    : `the audit log's newest checkpoint (of ${newest.size} events) is signed by key ${inForce}`;
  if (existing === undefined) {
    throw new Error(
      `${signedBy}, but ${key.location} is missing: put back that key file (from a backup of the data folder)`,
    );
  }
  if (existing.keyId !== inForce) {
    throw new Error(
      `${signedBy}, but ${key.location} is key ${existing.keyId}: put back the key that signed it`,
    );
  }
  return existing;
}

export interface KeyRotation {
  readonly seq: number;
  readonly keyId: string;
}
