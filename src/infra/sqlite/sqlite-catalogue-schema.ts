/**
 * The catalogue projection's tables (created by migrations/004_catalogue.sql, widened by 005_renames.sql
 * to 008_live_files.sql): derived data, folded from the events in the same transaction that appends them.
 * A rebuild empties them all and folds the log again.
 */
export const CATALOGUE_TABLES = [
  'catalogue_names',
  'catalogue_live',
  'catalogue_versions',
  'catalogue_deletions',
  'catalogue_requests',
  'catalogue_collected',
  'catalogue_usage',
  'catalogue_accounts',
  'catalogue_addresses',
  'catalogue_folders',
  'catalogue_held_uploads',
] as const;
