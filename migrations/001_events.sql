-- The audit log. Each row keeps the exact canonical JSON bytes of one event (`record`); the other columns
-- are read out of it, so there is one copy of the truth and nothing to keep in step.
CREATE TABLE events (
  seq     INTEGER PRIMARY KEY,
  record  TEXT    NOT NULL,
  id      TEXT    GENERATED ALWAYS AS (json_extract(record, '$.id')) VIRTUAL,
  type    TEXT    GENERATED ALWAYS AS (json_extract(record, '$.type')) VIRTUAL,
  at      TEXT    GENERATED ALWAYS AS (json_extract(record, '$.at')) VIRTUAL,
  actor   TEXT    GENERATED ALWAYS AS (json_extract(record, '$.actor')) VIRTUAL,
  session TEXT    GENERATED ALWAYS AS (json_extract(record, '$.session')) VIRTUAL,
  remote  TEXT    GENERATED ALWAYS AS (json_extract(record, '$.remote')) VIRTUAL,
  payload TEXT    GENERATED ALWAYS AS (json_extract(record, '$.payload')) VIRTUAL
);

CREATE INDEX events_by_type ON events (type);
CREATE INDEX events_by_at ON events (at);
CREATE INDEX events_by_session ON events (session);

-- Triggers stop accidents, not attackers; the signed hash tree is what proves the log unedited.
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;
