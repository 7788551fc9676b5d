import { AuditResult } from '../../domain/audit/audit-failure';
import { HashFn } from '../../domain/audit/hash';
import { PublicKeyReader } from '../../domain/audit/key-chain';
import { AuditLogReader } from '../../domain/ports/audit-log-reader.port';
import { FileStore } from '../../domain/ports/file-store.port';
import { IncrementalHashFactory } from '../../domain/ports/incremental-hash.port';
import { ScratchProjection } from '../../domain/ports/scratch-projection.port';
import { SignatureVerifier } from '../../domain/ports/signature-verifier.port';

/** Everything `ferry audit verify` and `prove` work with, built by the composition root from a data folder. */
export interface AuditToolkit {
  /** The audit database, opened read-only. */
  readonly reader: AuditLogReader;
  /** Only ever read: never opened, which would sweep a running server's temporaries. */
  readonly blobs: FileStore;
  readonly hash: HashFn;
  readonly hashStream: IncrementalHashFactory;
  /** The key checkpoints must be signed with: the one named on the command line, else the data folder's. */
  readonly trustedKey: SignatureVerifier | undefined;
  /** Reads the public keys the log's key changes name, to follow the chain from the trusted key. */
  readonly publicKeyOf: PublicKeyReader;
  /**
   * An empty projection in a scratch store outside the data folder, to fold the log into afresh and hold
   * the data folder's catalogue tables to (read through `reader`, in its snapshot). The caller closes it,
   * which removes it. `UNREADABLE` when the data folder has no catalogue tables or no scratch can be made.
   */
  openScratchProjection(): AuditResult<ScratchProjection>;
  close(): Promise<void>;
}

/** What checking a proof needs: no data folder at all, only the hash and the key the checker trusts. */
export interface ProofChecker {
  readonly hash: HashFn;
  readonly trustedKey: SignatureVerifier;
}
