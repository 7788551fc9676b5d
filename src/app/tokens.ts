/** Dependency-injection tokens for the ports; the composition root binds each to one adapter. */
export const TOKENS = {
  EventLog: Symbol.for('ferry.EventLog'),
  FileStore: Symbol.for('ferry.FileStore'),
  Clock: Symbol.for('ferry.Clock'),
  IdGenerator: Symbol.for('ferry.IdGenerator'),
  Logger: Symbol.for('ferry.Logger'),
  CredentialStore: Symbol.for('ferry.CredentialStore'),
  PasswordHasher: Symbol.for('ferry.PasswordHasher'),
  PublicKeys: Symbol.for('ferry.PublicKeys'),
  FreeSpace: Symbol.for('ferry.FreeSpace'),
  AnonymousPolicy: Symbol.for('ferry.AnonymousPolicy'),
  BanPolicy: Symbol.for('ferry.BanPolicy'),
  ConnectionLimits: Symbol.for('ferry.ConnectionLimits'),
  UploadLimits: Symbol.for('ferry.UploadLimits'),
  SigningKeyRotation: Symbol.for('ferry.SigningKeyRotation'),
} as const;
