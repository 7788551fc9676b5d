-- Checkpoints of a named log (a LogNamed event gives the name) are C2SP tlog-checkpoint notes: `origin`
-- is the name they carry, and `signature` is over the note's text (docs/AUDIT.md). NULL: a checkpoint of
-- the first format, whose signature is over canonical JSON.
ALTER TABLE checkpoints ADD COLUMN origin TEXT;
