-- Explicit folders (FolderCreated, FolderRemoved): a folder exists while some live name lies under it,
-- and also, empty, once made with MKDIR until removed. `key` is the folder's path, ending with `/`, as a
-- name key (src/infra/sqlite/name-sort-key.ts), so a listing under a prefix is a range scan.
--
-- No event before this migration creates a folder: an older data folder needs no catch-up.
CREATE TABLE catalogue_folders (
  key BLOB PRIMARY KEY
) WITHOUT ROWID;
