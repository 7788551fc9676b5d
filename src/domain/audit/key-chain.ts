import { AuditResult, failed, passed } from './audit-failure';
import { checkCheckpointSignature, checkpointLabel, SignedCheckpoint } from './checkpoint';
import { parseEventRecord } from './event-record';
import { EventPayloads } from '../events';
import { AuditLogReader } from '../ports/audit-log-reader.port';
import { SignatureVerifier } from '../ports/signature-verifier.port';

/** Reads a public key (SubjectPublicKeyInfo PEM) as a verifier; undefined if it is not one. */
export type PublicKeyReader = (pem: string) => SignatureVerifier | undefined;

interface Rotation {
  readonly seq: number;
  readonly keyId: string;
}

/**
 * The keys that signed a log, in order, from its SigningKeyRotated events: a checkpoint of size s must be
 * signed by the key in force at s (the first key, or the one the last rotation before s introduced), and a
 * rotation counts only once the previous key has signed the checkpoint of exactly its size, which covers
 * the event that names the new key. The trusted key must be one of the chain: a log rewritten with keys of
 * its own cannot lead to it.
 */
export class KeyChain {
  private readonly signedSizes = new Set<number>();
  private trustedSigned = false;

  constructor(
    private readonly chain: readonly string[],
    private readonly rotations: readonly Rotation[],
    private readonly verifiers: ReadonlyMap<string, SignatureVerifier>,
    private readonly trustedKeyId: string,
  ) {}

  /** A checkpoint `check` accepted, and the scan found to be the root of the log at its size. */
  signed(checkpoint: SignedCheckpoint): void {
    this.signedSizes.add(checkpoint.size);
    if (checkpoint.keyId === this.trustedKeyId) this.trustedSigned = true;
  }

  /**
   * Keys before the trusted one are known only from the log: they count once the trusted key has signed
   * a checkpoint over the changes that name them. Without one, a log forged under a key of its own, ending
   * in a change to the trusted key, would pass.
   */
  finish(): AuditResult<void> {
    if (this.chain[0] === this.trustedKeyId || this.trustedSigned) return passed(undefined);
    return failed(
      'SIGNATURE_INVALID',
      `no checkpoint signed by the trusted key ${this.trustedKeyId} vouches for the keys that signed before it`,
    );
  }

  check(checkpoint: SignedCheckpoint): AuditResult<SignedCheckpoint> {
    const expected = this.chain[this.rotations.filter((rotation) => rotation.seq < checkpoint.size).length];
    const label = checkpointLabel(checkpoint);
    if (checkpoint.keyId !== expected) {
      return failed(
        'SIGNATURE_INVALID',
        `${label} names key ${checkpoint.keyId}, not key ${expected}, which signs the log at that size`,
      );
    }
    const unproven = this.rotations.find(
      (rotation) => rotation.seq < checkpoint.size && !this.signedSizes.has(rotation.seq),
    );
    if (unproven) {
      return failed(
        'SIGNATURE_INVALID',
        `the key change in event ${unproven.seq} was never signed by the previous key (no checkpoint of size ${unproven.seq})`,
      );
    }
    return checkCheckpointSignature(this.verifiers.get(expected)!, checkpoint);
  }
}

/** A SigningKeyRotated event's payload, with its seq. */
export type KeyChange = EventPayloads['SigningKeyRotated'] & { readonly seq: number };

/** The log's key changes, oldest first, read from their stored records. */
export function readKeyChanges(reader: AuditLogReader): AuditResult<KeyChange[]> {
  const changes: KeyChange[] = [];
  for (const row of reader.keyRotations()) {
    const event = parseEventRecord(row);
    if (!event.ok) return event;
    if (event.value.type === 'SigningKeyRotated') changes.push({ seq: row.seq, ...event.value.payload });
  }
  return passed(changes);
}

export function readKeyChain(
  reader: AuditLogReader,
  trustedKey: SignatureVerifier,
  publicKeyOf: PublicKeyReader | undefined,
): AuditResult<KeyChain> {
  const verifiers = new Map([[trustedKey.keyId, trustedKey]]);
  const chain: string[] = [];
  const rotations: Rotation[] = [];
  const changes = readKeyChanges(reader);
  if (!changes.ok) return changes;
  for (const row of changes.value) {
    const { previousKeyId, previousPublicKey, keyId, publicKey } = row;
    if (chain.length === 0) chain.push(previousKeyId);
    if (chain[chain.length - 1] !== previousKeyId) {
      return failed(
        'SIGNATURE_INVALID',
        `the key change in event ${row.seq} does not follow from the key then in force`,
        { seq: row.seq },
      );
    }
    for (const [id, pem] of [
      [previousKeyId, previousPublicKey],
      [keyId, publicKey],
    ]) {
      const verifier = publicKeyOf?.(pem);
      if (verifier?.keyId !== id) {
        return failed(
          'SIGNATURE_INVALID',
          `the key change in event ${row.seq} names a key that is not key ${id}`,
          { seq: row.seq },
        );
      }
      if (!verifiers.has(id)) verifiers.set(id, verifier);
    }
    chain.push(keyId);
    rotations.push({ seq: row.seq, keyId });
  }
  if (chain.length === 0) chain.push(trustedKey.keyId);
  if (!chain.includes(trustedKey.keyId)) {
    return failed(
      'SIGNATURE_INVALID',
      `the trusted key ${trustedKey.keyId} is not one of the keys that signed this log`,
    );
  }
  return passed(new KeyChain(chain, rotations, verifiers, trustedKey.keyId));
}
