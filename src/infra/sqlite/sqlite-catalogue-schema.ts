import Database from 'better-sqlite3';

/**
 * The catalogue projection's tables: derived data, folded from the events in the same transaction that
 * appends them. Written as a numbered migration would be (it is meant to become one), so plain CREATEs.
 *
 * Names are `key` BLOBs (see name-sort-key.ts) whose byte order is JavaScript's string order, so a prefix
 * LIST is the range scan `key >= prefix AND key < prefix || x'FF'` over an index, in the order the
 * in-memory catalogue uses. Every other table refers to a name by its integer id.
 */
export const CATALOGUE_SCHEMA = `
-- Which seq the projection reflects: every event up to it is folded in, none after.
CREATE TABLE catalogue_position (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  seq       INTEGER NOT NULL
);
INSERT INTO catalogue_position (singleton, seq) VALUES (1, 0);

-- Every name ever used. live_version is NULL while the name is deleted (or was only ever deleted).
CREATE TABLE catalogue_names (
  id             INTEGER PRIMARY KEY,
  key            BLOB    NOT NULL UNIQUE,
  live_version   INTEGER,
  latest_version INTEGER NOT NULL
);
-- The live names alone, in name order: what LIST walks.
CREATE INDEX catalogue_live_names ON catalogue_names (key, live_version) WHERE live_version IS NOT NULL;

-- Every version of every name, immutable except ended_seq. A version is live from seq (the event that
-- made it) until ended_seq (the upload, restore or delete that ended it; NULL while it is live), so the
-- files live just after event k are those with seq <= k AND (ended_seq IS NULL OR ended_seq > k).
CREATE TABLE catalogue_versions (
  name_id       INTEGER NOT NULL,
  version       INTEGER NOT NULL,
  sha256        TEXT    NOT NULL,
  size          INTEGER NOT NULL,
  at            TEXT    NOT NULL,
  actor         TEXT    NOT NULL,
  seq           INTEGER NOT NULL,
  restored_from INTEGER,
  ended_seq     INTEGER,
  PRIMARY KEY (name_id, version)
) WITHOUT ROWID;

-- Deletions: with catalogue_versions, a name's history (merged by seq).
CREATE TABLE catalogue_deletions (
  name_id INTEGER NOT NULL,
  seq     INTEGER NOT NULL,
  version INTEGER NOT NULL,
  at      TEXT    NOT NULL,
  actor   TEXT    NOT NULL,
  PRIMARY KEY (name_id, seq)
) WITHOUT ROWID;

-- Request ids and what they did, for the retry window. seq is that of the event that last remembered the
-- id; ordered by it, the oldest entry comes first, and forgetting drops from the front while the entry is
-- more than 24 h (event time) older than the file event being folded, exactly as RequestMemory does.
-- The payload of the outcome is rebuilt from catalogue_versions (or is just name and version).
CREATE TABLE catalogue_requests (
  actor      TEXT    NOT NULL,
  request_id TEXT    NOT NULL,
  seq        INTEGER NOT NULL,
  type       TEXT    NOT NULL CHECK (type IN ('FileUploaded', 'FileRestored', 'FileDeleted')),
  name_id    INTEGER NOT NULL,
  version    INTEGER NOT NULL,
  at         TEXT    NOT NULL,
  PRIMARY KEY (actor, request_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX catalogue_requests_by_seq ON catalogue_requests (seq);

-- Blobs garbage collection removed and no upload has brought back.
CREATE TABLE catalogue_collected (
  sha256 TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Live files and bytes per actor who wrote their live version (quotas); no row means none.
CREATE TABLE catalogue_usage (
  actor TEXT    PRIMARY KEY,
  files INTEGER NOT NULL,
  bytes INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Every table above, for a rebuild that drops the projection and folds the log again. */
export const CATALOGUE_TABLES = [
  'catalogue_position',
  'catalogue_names',
  'catalogue_versions',
  'catalogue_deletions',
  'catalogue_requests',
  'catalogue_collected',
  'catalogue_usage',
] as const;

/** Creates the (empty) projection, in one transaction. */
export function createCatalogueTables(db: Database.Database): void {
  db.transaction(() => db.exec(CATALOGUE_SCHEMA))();
}
