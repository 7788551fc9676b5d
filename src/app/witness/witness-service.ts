import { cosign } from '../../domain/audit/cosignature';
import { HashFn } from '../../domain/audit/hash';
import { signatureLine } from '../../domain/audit/signed-note';
import { parseAddCheckpointRequest } from '../../domain/witness/add-checkpoint-request';
import { judgeAddCheckpoint } from '../../domain/witness/witness-decision';
import { CheckpointSigner } from '../../domain/ports/checkpoint-signer.port';
import { Clock } from '../../domain/ports/clock.port';
import { Logger } from '../../domain/ports/logger.port';
import { SignatureVerifier } from '../../domain/ports/signature-verifier.port';
import { WitnessState } from '../../domain/ports/witness-state.port';

export interface WitnessIdentity {
  readonly name: string;
  readonly signer: CheckpointSigner;
  /** The 32 bytes of the witness's Ed25519 public key, which its key id is made from. */
  readonly publicKey: Uint8Array;
}

/** Enough of an origin for a log line: the rest of a malformed body is not worth the space. */
const MAX_LOGGED_ORIGIN = 200;

/** What the witness answers one add-checkpoint request: tlog-witness's status and body. */
export interface WitnessAnswer {
  readonly status: 200 | 400 | 403 | 404 | 409 | 422;
  readonly body: string;
  /** 409 answers carry the witness's size as `text/x.tlog.size`. */
  readonly sizeBody: boolean;
}

/**
 * A witness (C2SP tlog-witness): for each log it knows, it cosigns a checkpoint only if it extends the
 * newest one it cosigned before, as a consistency proof must show. Judging and recording happen in one
 * synchronous step, so two requests for one log can never both pass against the same old size.
 */
export class WitnessService {
  constructor(
    private readonly hash: HashFn,
    private readonly identity: WitnessIdentity,
    /** The keys each log's checkpoints may be signed with (several across a key change). */
    private readonly logs: ReadonlyMap<string, readonly SignatureVerifier[]>,
    private readonly state: WitnessState,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  addCheckpoint(body: string): WitnessAnswer {
    const parsed = parseAddCheckpointRequest(body);
    if (!parsed.ok) return this.refused(400, parsed.reason);
    const { request } = parsed;
    const verdict = judgeAddCheckpoint(
      this.hash,
      request,
      (origin) => this.logs.get(origin) ?? [],
      (origin) => this.state.latest(origin),
    );
    const now = this.clock.now();
    if (verdict.kind === 'refuse') {
      // Only a refusal with evidence has a verified origin; anyone may send anything else.
      const origin = request.note.slice(0, Math.min(request.note.indexOf('\n') >>> 0, MAX_LOGGED_ORIGIN));
      if (verdict.evidence) {
        const kept = this.state.keepEvidence({
          origin,
          at: now.toISOString(),
          status: verdict.status,
          reason: verdict.reason,
          request: body,
        });
        this.logger.error('a log showed a checkpoint that contradicts what this witness cosigned', {
          origin,
          status: verdict.status,
          reason: verdict.reason,
          ...(kept ? {} : { evidence: 'not kept: this log has filled its share of the evidence table' }),
        });
      }
      if (verdict.latestSize !== undefined) {
        return { status: verdict.status, body: `${verdict.latestSize}\n`, sizeBody: true };
      }
      return this.refused(verdict.status, verdict.reason, origin);
    }
    if (!this.state.advance(verdict.origin, request.oldSize, verdict.head, now.toISOString())) {
      // Only another process on the same state could have moved it between the judgement and here.
      const latest = this.state.latest(verdict.origin)?.size ?? 0;
      return { status: 409, body: `${latest}\n`, sizeBody: true };
    }
    const { name, signer, publicKey } = this.identity;
    const time = Math.floor(now.getTime() / 1000);
    const line = signatureLine(cosign(this.hash, name, signer, publicKey, verdict.text, time));
    this.logger.info('checkpoint cosigned', { origin: verdict.origin, size: verdict.head.size });
    return { status: 200, body: line, sizeBody: false };
  }

  /** Logged at debug only: these need no one's attention, and anyone can send them. */
  private refused(status: WitnessAnswer['status'], reason: string, origin?: string): WitnessAnswer {
    this.logger.debug('checkpoint refused', { status, reason, ...(origin === undefined ? {} : { origin }) });
    return { status, body: `${reason}\n`, sizeBody: false };
  }
}
