/** How often the log signs a checkpoint: whichever comes first, after enough events or enough time. */
export interface CheckpointPolicy {
  readonly everyEvents: number;
  readonly everySeconds: number;
}

/** Counting is checked at every append; time by a timer, so an idle log's tail is still signed. */
export function checkpointDueByCount(policy: CheckpointPolicy, unsignedEvents: number): boolean {
  return unsignedEvents > 0 && unsignedEvents >= policy.everyEvents;
}

export function isCheckpointPolicy(policy: CheckpointPolicy): boolean {
  return (
    Number.isSafeInteger(policy.everyEvents) &&
    policy.everyEvents > 0 &&
    Number.isFinite(policy.everySeconds) &&
    policy.everySeconds > 0
  );
}
