-- RENAME (FileRenamed): a live file moves to another name in one event. The old name's history ends
-- with a "renamed to" entry, kept with its deletions (a deletion row whose renamed_to is set); the new
-- name gets a version whose renamed_from and renamed_from_version say where its bytes came from.
--
-- Added columns are NULL in every existing row, which is what the fold writes for events other than
-- FileRenamed, so a data folder from before this migration needs no catch-up.

ALTER TABLE catalogue_versions ADD COLUMN renamed_from TEXT;
ALTER TABLE catalogue_versions ADD COLUMN renamed_from_version INTEGER;

ALTER TABLE catalogue_deletions ADD COLUMN renamed_to TEXT;

-- A request id may now be remembered for a rename too; SQLite cannot alter a CHECK, so the table is
-- copied into one with the wider CHECK. name_id and version are those of the name the rename made live.
CREATE TABLE catalogue_requests_005 (
  actor      TEXT    NOT NULL,
  request_id TEXT    NOT NULL,
  seq        INTEGER NOT NULL,
  type       TEXT    NOT NULL
             CHECK (type IN ('FileUploaded', 'FileRestored', 'FileDeleted', 'FileRenamed')),
  name_id    INTEGER NOT NULL,
  version    INTEGER NOT NULL,
  at         TEXT    NOT NULL,
  PRIMARY KEY (actor, request_id)
) WITHOUT ROWID;
INSERT INTO catalogue_requests_005 (actor, request_id, seq, type, name_id, version, at)
  SELECT actor, request_id, seq, type, name_id, version, at FROM catalogue_requests;
DROP TABLE catalogue_requests;
ALTER TABLE catalogue_requests_005 RENAME TO catalogue_requests;
CREATE UNIQUE INDEX catalogue_requests_by_seq ON catalogue_requests (seq);
