-- The catalogue as tables of this database (an inline projection): folded from the events in the same
-- transaction that appends them, so the log and the catalogue never disagree, and nothing is replayed at
-- start. Derived data: `ferry admin rebuild` empties these tables and folds the log again.
--
-- Names are `key` BLOBs (CESU-8, see src/infra/sqlite/name-sort-key.ts) whose byte order is JavaScript's
-- string order, so a prefix LIST is the range scan `key >= prefix AND key < prefix || x'FF'` over an
-- index. Every other table refers to a name by its integer id.
--
-- The position starts at 0: a data folder from before this migration catches up from its log at the next
-- start, in batches, and the snapshots that used to spare a replay go.

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

-- Every version of every name, immutable except ended_seq and ended_at. A version is live from seq (the
-- event that made it) until ended_seq (the upload, restore or delete that ended it, at ended_at; NULL while
-- it is live), so the files live just after event k are those with seq <= k AND (ended_seq IS NULL OR
-- ended_seq > k).
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
  ended_at      TEXT,
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

-- Accounts as folded from User* events (no secret: hashes live in credentials.db).
CREATE TABLE catalogue_accounts (
  name           TEXT    PRIMARY KEY,
  role           TEXT    NOT NULL,
  prefix         TEXT,
  disabled       INTEGER NOT NULL,
  password_event TEXT,
  quota_bytes    INTEGER,
  quota_files    INTEGER,
  created_at     TEXT    NOT NULL
) WITHOUT ROWID;

-- Failed logins and bans per remote address; touched_seq orders them by last activity, which is the
-- order in which idle addresses are forgotten.
CREATE TABLE catalogue_addresses (
  address      TEXT    PRIMARY KEY,
  failures     TEXT    NOT NULL,
  ban_until    INTEGER NOT NULL,
  streak       INTEGER NOT NULL,
  last_ban_end INTEGER NOT NULL,
  touched_seq  INTEGER NOT NULL
) WITHOUT ROWID;

DROP TABLE snapshots;
