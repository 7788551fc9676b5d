/** Slow, salted password hashing; hashes are self-describing strings (PHC format). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
