-- Resumable uploads whose last attempt was interrupted: their bytes are held in the file store for the
-- next attempt to continue, until it publishes them, is refused at its end, or the server expires them.
-- Few rows (one per interrupted transfer), read whole at open; the order of last interruption is seq's.
CREATE TABLE catalogue_held_uploads (
  actor  TEXT    NOT NULL,
  upload TEXT    NOT NULL,
  name   TEXT    NOT NULL,
  held   INTEGER NOT NULL,
  at     TEXT    NOT NULL,
  seq    INTEGER NOT NULL,
  PRIMARY KEY (actor, upload)
) WITHOUT ROWID;
