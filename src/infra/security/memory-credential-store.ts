import { CredentialStore } from '../../domain/ports/credential-store.port';

/** For memory storage: credentials live as long as the process, like everything else there. */
export class MemoryCredentialStore implements CredentialStore {
  private readonly hashes = new Map<string, string>();

  async save(user: string, eventId: string, hash: string): Promise<void> {
    this.hashes.set(`${user}\u0000${eventId}`, hash);
  }

  async find(user: string, eventId: string): Promise<string | undefined> {
    return this.hashes.get(`${user}\u0000${eventId}`);
  }

  async close(): Promise<void> {}
}
