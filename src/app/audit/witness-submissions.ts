import { checkpointNoteText, SignedCheckpoint } from '../../domain/audit/checkpoint';
import { checkpointNote } from '../../domain/audit/checkpoint-note';
import { checkCosignature, Witness } from '../../domain/audit/cosignature';
import { HashFn } from '../../domain/audit/hash';
import { consistencyProof } from '../../domain/audit/merkle';
import { parseSignatureLines, signatureLine } from '../../domain/audit/signed-note';
import { storedNodes } from '../../domain/audit/stored-nodes';
import { PublicKeyReader, readKeyChanges } from '../../domain/audit/key-chain';
import { formatAddCheckpointRequest } from '../../domain/witness/add-checkpoint-request';
import { AuditLogReader } from '../../domain/ports/audit-log-reader.port';
import { Clock } from '../../domain/ports/clock.port';
import { CosignatureStore } from '../../domain/ports/cosignature-store.port';
import { Logger } from '../../domain/ports/logger.port';
import { SignatureVerifier } from '../../domain/ports/signature-verifier.port';
import { WitnessClient, WitnessReply } from '../../domain/ports/witness-client.port';
import { SERVER_ACTOR } from '../ban-keeper';
import { Refusal, refusalOf, witnessSizeOf } from './witness-refusal';
import { Ledger } from '../ledger';

/** A witness the log submits its checkpoints to. */
export interface WitnessEndpoint extends Witness {
  /** Its submission prefix: requests go to `<url>/add-checkpoint`. */
  readonly url: string;
}

export interface WitnessingTimes {
  /** How often the newest checkpoint is looked for. */
  readonly pollMs: number;
  /** The longest wait before a witness that is down, or refusing, is tried again. */
  readonly maxRetryMs: number;
}

/** Answers a 409 may redirect to another old size before the round is given up. */
const MAX_REDIRECTS = 2;

/** What the log knows of one witness. */
class WitnessLink {
  /** The size the witness last cosigned, as far as the log knows: the next proof starts there. */
  believedSize: number;
  cosignedSize: number;
  inFlight: Promise<void> | undefined;
  retryAt = 0;
  retryMs = 0;
  down = false;
  /**
   * The kinds of refusal it has made since it last cosigned, each recorded as an event once: a witness
   * that keeps refusing is not an event a minute, whatever it answers, and a split view is never hidden
   * behind an earlier refusal of another kind.
   */
  readonly refusedWith = new Set<string>();

  constructor(
    readonly endpoint: WitnessEndpoint,
    cosigned: number,
  ) {
    this.believedSize = cosigned;
    this.cosignedSize = cosigned;
  }
}

/**
 * Submits each new checkpoint, with its consistency proof, to every witness (C2SP tlog-witness), and keeps
 * the cosignatures they return beside it. It works off the committed log, on its own timer: a witness that
 * is slow or down delays no commit; it is tried again, less and less often. A refusal is logged as an
 * error and recorded as a WitnessRefused event.
 */
export class WitnessSubmissions {
  private readonly links: WitnessLink[];
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private logKey: SignatureVerifier | undefined;
  /** The key id last found nowhere, said once. */
  private unknownKey: string | undefined;

  constructor(
    private readonly hash: HashFn,
    /** Its own read-only view of the log, closed by `stop`. */
    private readonly reader: AuditLogReader,
    private readonly store: CosignatureStore,
    private readonly client: WitnessClient,
    private readonly ledger: Ledger,
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** The data folder's public key: the one in force, which signs the newest checkpoints. */
    private readonly folderKey: () => SignatureVerifier | undefined,
    /** Reads the keys the log's key changes name (a checkpoint may be signed by the one before). */
    private readonly publicKeyOf: PublicKeyReader,
    witnesses: readonly WitnessEndpoint[],
    private readonly times: WitnessingTimes,
  ) {
    this.links = witnesses.map((witness) => new WitnessLink(witness, store.latestSizeOf(witness.name)));
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.times.pollMs);
    this.timer.unref();
  }

  /** Stops submitting; a request on its way is abandoned (the next start submits the newest again). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.abort.abort();
    await Promise.all(this.links.map((link) => link.inFlight));
    this.reader.close();
  }

  /** A timer's callback that threw would end the server: a failure here is only reported. */
  private tick(): void {
    try {
      this.submitNewest();
    } catch (error) {
      this.logger.error('witness submissions failed; trying again', { error: String(error) });
    }
  }

  private submitNewest(): void {
    const latest = this.reader.latestCheckpoint();
    if (latest?.origin === undefined) return;
    if (this.logKey?.keyId !== latest.keyId) this.logKey = this.logKeyOf(latest.keyId);
    if (this.logKey === undefined) {
      // Its key is named nowhere the log can read (a damaged key change): said once, not every second.
      if (this.unknownKey !== latest.keyId) {
        this.logger.error('the newest checkpoint is signed by a key the log does not name; not submitted', {
          keyId: latest.keyId,
        });
      }
      this.unknownKey = latest.keyId;
      return;
    }
    const now = this.clock.now().getTime();
    for (const link of this.links) {
      if (!link.inFlight && link.cosignedSize > latest.size) this.forgetBeyond(link, latest.size);
      if (link.inFlight || latest.size <= link.cosignedSize || now < link.retryAt) continue;
      link.inFlight = this.submit(link, latest, this.logKey).finally(() => {
        link.inFlight = undefined;
      });
    }
  }

  /**
   * Cosignatures of checkpoints this log no longer has (its table was edited, or its tail cut): they
   * prove nothing here, and no proof can start from them. The witness says where it stands instead.
   */
  private forgetBeyond(link: WitnessLink, size: number): void {
    this.logger.warn('cosignatures are kept of checkpoints beyond the newest: asking the witness afresh', {
      witness: link.endpoint.name,
      cosigned: link.cosignedSize,
      newest: size,
    });
    link.cosignedSize = link.believedSize = 0;
  }

  /**
   * The public key of this id, which the note names: the folder's, or one the log's key changes name (the
   * checkpoint that proves a change is signed by the key it replaces).
   */
  private logKeyOf(keyId: string): SignatureVerifier | undefined {
    const current = this.folderKey();
    if (current?.keyId === keyId) return current;
    const changes = readKeyChanges(this.reader);
    if (!changes.ok) return undefined;
    const named = changes.value.flatMap((change) => [
      { keyId: change.previousKeyId, pem: change.previousPublicKey },
      { keyId: change.keyId, pem: change.publicKey },
    ]);
    const pem = named.find((each) => each.keyId === keyId)?.pem;
    const key = pem === undefined ? undefined : this.publicKeyOf(pem);
    return key?.keyId === keyId ? key : undefined;
  }

  private async submit(
    link: WitnessLink,
    checkpoint: SignedCheckpoint,
    key: SignatureVerifier,
  ): Promise<void> {
    try {
      for (let redirects = 0; !this.abort.signal.aborted; redirects++) {
        const reply = await this.send(link, checkpoint, key);
        const redirect = this.redirectOf(reply, link, checkpoint);
        if (redirect !== undefined && redirects < MAX_REDIRECTS) {
          link.believedSize = redirect;
          continue;
        }
        this.settle(link, checkpoint, reply);
        return;
      }
    } catch (error) {
      if (this.abort.signal.aborted) return;
      this.unreachable(link, error);
    }
  }

  private send(
    link: WitnessLink,
    checkpoint: SignedCheckpoint,
    key: SignatureVerifier,
  ): Promise<WitnessReply> {
    const oldSize = link.believedSize;
    const proof = this.reader.snapshot(() =>
      consistencyProof(this.hash, storedNodes(this.reader), oldSize, checkpoint.size),
    );
    const note = checkpointNote(this.hash, checkpoint, key.rawPublicKey);
    const body = formatAddCheckpointRequest({ oldSize, proof, note });
    return this.client.addCheckpoint(link.endpoint.url, body, this.abort.signal);
  }

  /** A 409 naming a size this log can prove consistency from: the witness's last cosigned size. */
  private redirectOf(
    reply: WitnessReply,
    link: WitnessLink,
    checkpoint: SignedCheckpoint,
  ): number | undefined {
    const size = witnessSizeOf(reply);
    return size !== undefined && size !== link.believedSize && size <= checkpoint.size ? size : undefined;
  }

  private settle(link: WitnessLink, checkpoint: SignedCheckpoint, reply: WitnessReply): void {
    if (reply.status >= 500) {
      this.unreachable(link, new Error(`HTTP ${reply.status}`));
      return;
    }
    const refusal =
      reply.status === 200
        ? this.keep(link, checkpoint, reply)
        : refusalOf(reply, link.believedSize, checkpoint.size);
    if (refusal === undefined) {
      link.believedSize = link.cosignedSize = checkpoint.size;
      link.retryAt = link.retryMs = 0;
      if (link.down || link.refusedWith.size > 0)
        this.logger.info('witness cosigns again', { witness: link.endpoint.name });
      link.down = false;
      link.refusedWith.clear();
      return;
    }
    this.refused(link, checkpoint, refusal);
  }

  /** Keeps the witness's valid cosignature; a refusal if the answer carries none. */
  private keep(link: WitnessLink, checkpoint: SignedCheckpoint, reply: WitnessReply): Refusal | undefined {
    const { name } = link.endpoint;
    const text = checkpointNoteText(checkpoint.origin!, checkpoint);
    const valid = (parseSignatureLines(reply.body) ?? []).find(
      (signature) => checkCosignature(this.hash, link.endpoint, text, signature) !== undefined,
    );
    if (valid === undefined)
      return {
        kind: 'no-cosignature',
        status: 200,
        reason: `the answer carries no valid cosignature by ${name}`,
      };
    const cosignature = { size: checkpoint.size, witness: name, line: signatureLine(valid) };
    this.store.add(cosignature, this.clock.now().toISOString());
    this.logger.debug('checkpoint cosigned', { witness: name, size: checkpoint.size });
    return undefined;
  }

  private refused(link: WitnessLink, checkpoint: SignedCheckpoint, refusal: Refusal): void {
    const { name, url } = link.endpoint;
    this.logger.error("a witness refused the audit log's checkpoint", {
      witness: name,
      size: checkpoint.size,
      status: refusal.status,
      reason: refusal.reason,
    });
    this.backOff(link, this.times.maxRetryMs);
    if (link.refusedWith.has(refusal.kind)) return;
    link.refusedWith.add(refusal.kind);
    try {
      this.ledger.record<'WitnessRefused'>({
        actor: SERVER_ACTOR,
        session: '',
        remote: '',
        type: 'WitnessRefused',
        payload: {
          witness: name,
          url,
          size: checkpoint.size,
          status: refusal.status,
          reason: refusal.reason,
        },
      });
    } catch (error) {
      // The log cannot be written: the server is stopping already, and says why.
      this.logger.error('the refusal could not be recorded', { error: String(error) });
    }
  }

  private unreachable(link: WitnessLink, error: unknown): void {
    if (!link.down) {
      this.logger.warn('a witness cannot be reached; retrying', {
        witness: link.endpoint.name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    link.down = true;
    this.backOff(link, Math.min(Math.max(link.retryMs * 2, this.times.pollMs), this.times.maxRetryMs));
  }

  private backOff(link: WitnessLink, waitMs: number): void {
    link.retryMs = waitMs;
    link.retryAt = this.clock.now().getTime() + waitMs;
  }
}
