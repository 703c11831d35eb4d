-- Deleting an account (domain.md's accounts row: the admin's D). Like users and products, an
-- account is soft-deleted: the row stays for the audit log and the users that name it, and it leaves
-- every list, picker and lookup. Only an account that holds no business (no lead, order, live
-- stock, ledger row or payout) can be deleted (src/modules/accounts/service.ts, docs/decisions.md).
ALTER TABLE accounts ADD COLUMN deleted_at timestamptz;
