import { WitnessedHead } from '../witness/witness-decision';

/** A request a witness refused that it keeps for its operator: a log's signed checkpoint it could not cosign. */
export interface WitnessEvidence {
  readonly origin: string;
  readonly at: string;
  readonly status: number;
  readonly reason: string;
  /** The request body as received: the log's own signature makes it hard to deny. */
  readonly request: string;
}

export interface WitnessStateIdentity {
  readonly name: string;
  readonly keyId: string;
}

/** What a witness remembers: its name, and per log the newest checkpoint it cosigned. */
export interface WitnessState {
  /**
   * The name the witness signs under and the id of its key: given once, when its key folder is made, and
   * never changed, so a state file is never read with another key.
   */
  identity(): WitnessStateIdentity | undefined;
  identifyOnce(identity: WitnessStateIdentity): void;
  latest(origin: string): WitnessedHead | undefined;
  /** Whether it has cosigned anything at all. */
  knowsAnyLog(): boolean;
  /**
   * Records `head` as the newest for `origin` if the stored size is still `fromSize` (0: none stored);
   * false, with nothing changed, if it is not. Durable when it returns: the cosignature is sent after.
   */
  advance(origin: string, fromSize: number, head: WitnessedHead, at: string): boolean;
  /** Keeps it, unless its log already has its share of the table (the first ones matter most): false then. */
  keepEvidence(evidence: WitnessEvidence): boolean;
  evidence(): WitnessEvidence[];
  close(): void;
}
