/** What HELP prints: enough to drive a session by hand with `nc`. */
export const HELP_LINES: readonly string[] = [
  'Ferry commands (names with spaces or quotes go in "double quotes", \\" and \\\\ escape):',
  '  HELP                                   this text',
  '  LIST [prefix]                          live files: name version= size= sha256= at= by=',
  '  UPLOAD <name> <size> [sha256=<hex>] [if-version=<n>]',
  '                                         then exactly <size> raw bytes',
  '  DOWNLOAD <name> [version=<n>]          reply OK size= ... then exactly size raw bytes',
  '  DELETE <name> [if-version=<n>]',
  '  LOGOUT                                 end the session',
  'Replies: "OK ..." or "ERR <CODE> <message>". See docs/PROTOCOL.md.',
];
