export interface IdGenerator {
  /** A new identifier, unique across restarts. */
  next(): string;
}
