/**
 * The application's composition root, loaded when a command first needs it: it brings SQLite, the
 * dependency container and the crypto adapters, which the client commands (put, get, ls...) never use and
 * should not wait for at every start.
 */
export function loadApplication(): Promise<typeof import('../app/composition-root')> {
  return import('../app/composition-root');
}
