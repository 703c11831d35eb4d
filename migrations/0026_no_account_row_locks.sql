-- Writes of leads and orders no longer lock their account's row.
--
-- Each create, status change or delete writes a delta row into `status_counts` (0008, 0011), and
-- each call outcome a row into `lead_calls` (0015); the per-row foreign-key check of their
-- `account_id` read the account's row `FOR KEY SHARE`: one lock per write on the same row for every
-- concurrent writer of the account, which PostgreSQL records in the row itself and, as soon as two
-- transactions hold it, in a shared MultiXact (written to the WAL) — a per-account hot row on the
-- write path, which issue 10 asks to remove. Both columns are derived: `status_counts` is written
-- only by the count trigger, from leads and orders whose `account_id` their own parent checks verify
-- (0009), and by the maintenance task's fold of existing rows; a `lead_calls` row names its lead
-- (still a foreign key), written with the lead's account. An account that has leads or orders cannot
-- be deleted (`accounts_check_children_delete`). docs/decisions.md, "No lock on the account's row".
ALTER TABLE status_counts DROP CONSTRAINT IF EXISTS status_counts_account_id_fkey;
ALTER TABLE lead_calls DROP CONSTRAINT IF EXISTS lead_calls_account_id_fkey;
