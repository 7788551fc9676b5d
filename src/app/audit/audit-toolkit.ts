import { HashFn } from '../../domain/audit/hash';
import { AuditLogReader } from '../../domain/ports/audit-log-reader.port';
import { FileStore } from '../../domain/ports/file-store.port';
import { IncrementalHashFactory } from '../../domain/ports/incremental-hash.port';
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
  close(): void;
}

/** What checking a proof needs: no data folder at all, only the hash and the key the checker trusts. */
export interface ProofChecker {
  readonly hash: HashFn;
  readonly trustedKey: SignatureVerifier;
}
