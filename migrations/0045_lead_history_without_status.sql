-- A lead's history row written for a request that set no status (a comment alone, or an edit:
-- src/modules/records/history.ts appendComments) says so, so that a comment on a `no_reply` or
-- `call_later` lead does not read as another call, which a repeated status sent as a move is
-- (docs/decisions.md, "A comment on a lead waiting for a call is no call"). True on those rows, null
-- on every other (moves, creations, and rows written before this migration, which read as before).
-- Nullable without a default: no rewrite of the table.
ALTER TABLE lead_histories ADD COLUMN without_status boolean;
