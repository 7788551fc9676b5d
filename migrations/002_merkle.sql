-- The audit log's Merkle tree (RFC 9162) and its signed checkpoints. See docs/AUDIT.md.

-- Perfect nodes only: (level, idx) is the root of leaves [idx * 2^level, (idx + 1) * 2^level), level 0 holds
-- the leaf hashes, leaf i being the event with seq i + 1. A perfect node never changes once its last leaf
-- is in, so each is written once; roots and proofs for any tree size are assembled from O(log n) of them.
CREATE TABLE merkle_nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB    NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Signed tree heads: the server's Ed25519 signature over (tree_size, root, at, key_id).
CREATE TABLE checkpoints (
  tree_size INTEGER PRIMARY KEY,
  root      BLOB    NOT NULL,
  at        TEXT    NOT NULL,
  key_id    TEXT    NOT NULL,
  signature BLOB    NOT NULL
);

-- As for events: triggers stop accidents, not attackers; signatures and --against stop attackers.
CREATE TRIGGER merkle_nodes_are_append_only_update BEFORE UPDATE ON merkle_nodes
BEGIN
  SELECT RAISE(ABORT, 'merkle nodes are append-only');
END;

CREATE TRIGGER merkle_nodes_are_append_only_delete BEFORE DELETE ON merkle_nodes
BEGIN
  SELECT RAISE(ABORT, 'merkle nodes are append-only');
END;

CREATE TRIGGER checkpoints_are_append_only_update BEFORE UPDATE ON checkpoints
BEGIN
  SELECT RAISE(ABORT, 'checkpoints are append-only');
END;

CREATE TRIGGER checkpoints_are_append_only_delete BEFORE DELETE ON checkpoints
BEGIN
  SELECT RAISE(ABORT, 'checkpoints are append-only');
END;
