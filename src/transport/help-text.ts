/** What HELP prints: enough to drive a session by hand with `nc`. */
export const HELP_LINES: readonly string[] = [
  'Ferry commands (names with spaces or quotes go in "double quotes"; \\" and \\\\ escape):',
  '  HELP                                      this text',
  '  LIST [prefix] [at=<seq|ISO time>]         live files, now or at a past moment',
  '  STAT <name>                               the live version: version= size= sha256= at= by=',
  '  HISTORY <name>                            every upload, restore and deletion of a name',
  '  UPLOAD <name> <size> [sha256=<hex>] [if-version=<n>] [id=<request id>]',
  '                                            then exactly <size> raw bytes',
  '  DOWNLOAD <name> [version=<n>]             reply OK size= ... then exactly size raw bytes',
  '  DELETE <name> [if-version=<n>] [id=<request id>]',
  '  RESTORE <name> <version> [if-version=<n>] [id=<request id>]',
  '                                            a new version with the bytes of an old one',
  '  LOGOUT                                    end the session',
  'if-version=0 means "must not exist"; a repeated id returns the first result instead of acting twice.',
  'Replies: "OK ..." or "ERR <CODE> <message>". See docs/PROTOCOL.md.',
];
