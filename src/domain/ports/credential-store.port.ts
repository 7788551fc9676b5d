/**
 * Password hashes, kept outside the audit log and its hash tree so that whoever reads the log cannot try
 * to crack them. A hash is filed under the id of the event that set it: the account projection names the
 * current one, so a hash whose event never reached the log is never used.
 */
export interface CredentialStore {
  save(user: string, eventId: string, hash: string): Promise<void>;
  find(user: string, eventId: string): Promise<string | undefined>;
  close(): Promise<void>;
}
