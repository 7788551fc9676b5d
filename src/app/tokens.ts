/** Dependency-injection tokens for the ports; the composition root binds each to one adapter. */
export const TOKENS = {
  EventLog: Symbol.for('ferry.EventLog'),
  FileStore: Symbol.for('ferry.FileStore'),
  Clock: Symbol.for('ferry.Clock'),
  IdGenerator: Symbol.for('ferry.IdGenerator'),
  Logger: Symbol.for('ferry.Logger'),
  SnapshotStore: Symbol.for('ferry.SnapshotStore'),
  LedgerOptions: Symbol.for('ferry.LedgerOptions'),
} as const;
