-- Witnesses' cosignatures (C2SP tlog-cosignature/v1) of the log's checkpoints, one per witness and tree
-- size: `line` is the note signature line exactly as the witness sent it, which `ferry audit checkpoint`
-- appends to the checkpoint's note. Not part of the Merkle tree: a cosignature is evidence about a
-- checkpoint, checked against the witness's key, never trusted for being stored here.
CREATE TABLE checkpoint_cosignatures (
  tree_size INTEGER NOT NULL,
  witness   TEXT NOT NULL,
  line      TEXT NOT NULL,
  at        TEXT NOT NULL,
  PRIMARY KEY (tree_size, witness)
);
