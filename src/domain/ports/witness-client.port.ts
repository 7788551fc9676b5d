/** A witness's answer to add-checkpoint: its HTTP status and body. */
export interface WitnessReply {
  readonly status: number;
  readonly body: string;
}

/** How a log reaches its witnesses (C2SP tlog-witness over HTTP). */
export interface WitnessClient {
  /**
   * POSTs `body` to `<url>/add-checkpoint`. Rejects when no answer came (the witness is down or too slow,
   * or `signal` aborted); any answer, refusals included, resolves.
   */
  addCheckpoint(url: string, body: string, signal: AbortSignal): Promise<WitnessReply>;
}
