-- domain.md: every change made while impersonating records both people. A payout's history rows
-- and the ledger rows written in a "Log in as" session name the admin behind the user, as the
-- lead and order histories and the audit log do (the outside audit found only the user named).
ALTER TABLE invoice_histories ADD COLUMN impersonator_id text REFERENCES users (id);
ALTER TABLE balance_histories ADD COLUMN impersonator_id text REFERENCES users (id);
