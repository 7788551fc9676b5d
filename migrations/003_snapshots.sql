-- Snapshots of the catalogue projection: derived data that lets start-up replay only the log's tail.
-- `seq` is the last event folded in, `last_at` its time; `state` is the catalogue as JSON.
CREATE TABLE snapshots (
  seq     INTEGER PRIMARY KEY,
  last_at TEXT    NOT NULL,
  format  INTEGER NOT NULL,
  state   TEXT    NOT NULL
);
