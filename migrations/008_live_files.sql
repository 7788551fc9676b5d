-- The live files, each with its live version's columns, clustered by name key (WITHOUT ROWID): a prefix
-- LIST of 1,000 names reads one contiguous run of about 40 pages. Through the partial index of live names
-- it probed catalogue_versions once per name, 1,000 random reads scattered over the whole table, which at
-- 1,000,000 files took 19 ms with a warm cache. STAT reads the one row here too.
--
-- A copy of what catalogue_names and catalogue_versions already say (the live version of each name), kept
-- by the same fold: a row is added when a version becomes live and removed when it stops being live.
-- Filled here from the live versions, so an older data folder needs no catch-up.
CREATE TABLE catalogue_live (
  key                  BLOB    PRIMARY KEY,
  version              INTEGER NOT NULL,
  sha256               TEXT    NOT NULL,
  size                 INTEGER NOT NULL,
  at                   TEXT    NOT NULL,
  actor                TEXT    NOT NULL,
  seq                  INTEGER NOT NULL,
  restored_from        INTEGER,
  renamed_from         TEXT,
  renamed_from_version INTEGER
) WITHOUT ROWID;

INSERT INTO catalogue_live
  (key, version, sha256, size, at, actor, seq, restored_from, renamed_from, renamed_from_version)
  SELECT n.key, v.version, v.sha256, v.size, v.at, v.actor, v.seq, v.restored_from, v.renamed_from,
         v.renamed_from_version
  FROM catalogue_names n
  JOIN catalogue_versions v ON v.name_id = n.id AND v.version = n.live_version
  WHERE n.live_version IS NOT NULL
  ORDER BY n.key;

-- LIST no longer walks it.
DROP INDEX catalogue_live_names;
