-- The bytes of small blobs (up to 64 KiB), keyed by their SHA-256, kept here rather than as files under
-- blobs/: a row is written on the audit log's own connection and made durable by the same WAL fsync as the
-- events that follow it, where a file costs two fsyncs of its own. Not part of the Merkle tree: like a
-- file, a row is checked against its SHA-256 (ferry audit verify), never trusted for being stored here.
-- A rowid table: rows this large do not suit WITHOUT ROWID, whose b-tree holds them in its own pages.
CREATE TABLE small_blobs (
  sha256 TEXT NOT NULL UNIQUE,
  bytes  BLOB NOT NULL
);
