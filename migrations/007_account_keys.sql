-- Public keys an account may log in with (UserKeyAdded, UserKeyRemoved; SSH): a JSON array of
-- {"fingerprint", "key"} objects in the order added, NULL when the account has none (as every account
-- before this migration), so an older data folder needs no catch-up.
ALTER TABLE catalogue_accounts ADD COLUMN keys TEXT;
