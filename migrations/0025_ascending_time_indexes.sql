-- Indexes ordered by creation time (or id) were declared DESC for the newest-first lists. Rows are
-- created in increasing time, so every insert went to the leftmost leaf of a DESC index, and a full
-- leftmost leaf is split in half (PostgreSQL keeps 90 % of a page only when splitting the rightmost
-- leaf): those indexes stayed about half full, and each split wrote a large WAL record. Ascending,
-- the same keys are appended at the right edge. A backward scan of an ascending index serves
-- `ORDER BY created_at DESC, id DESC`, and with the leading columns fixed by equality (as in every
-- query using them) an ascending index serves every order the DESC one did: no query changes. Measured on 1,000-lead creates (docs/decisions.md, "Ascending time indexes").
DROP INDEX api_tokens_account;
CREATE INDEX api_tokens_account ON api_tokens (account_id, created_at);
DROP INDEX audit_log_impersonator;
CREATE INDEX audit_log_impersonator ON audit_log (impersonator_id, id) WHERE (impersonator_id IS NOT NULL);
DROP INDEX audit_log_subject;
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, id);
DROP INDEX balance_histories_account;
CREATE INDEX balance_histories_account ON balance_histories (account_id, id);
DROP INDEX balance_histories_account_kind;
CREATE INDEX balance_histories_account_kind ON balance_histories (account_id, kind, id);
DROP INDEX invoices_account;
CREATE INDEX invoices_account ON invoices (account_id, created_at);
DROP INDEX invoices_status;
CREATE INDEX invoices_status ON invoices (status, created_at);
DROP INDEX lead_histories_account;
CREATE INDEX lead_histories_account ON lead_histories (account_id, created_at, id);
DROP INDEX lead_histories_created;
CREATE INDEX lead_histories_created ON lead_histories (created_at, id);
DROP INDEX leads_account_created;
CREATE INDEX leads_account_created ON leads (account_id, created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX leads_account_status_created;
CREATE INDEX leads_account_status_created ON leads (account_id, status, created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX leads_created;
CREATE INDEX leads_created ON leads (created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX leads_status_created;
CREATE INDEX leads_status_created ON leads (status, created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX notifications_user;
CREATE INDEX notifications_user ON notifications (user_id, id);
DROP INDEX order_histories_account;
CREATE INDEX order_histories_account ON order_histories (account_id, created_at, id);
DROP INDEX order_histories_created;
CREATE INDEX order_histories_created ON order_histories (created_at, id);
DROP INDEX orders_account_created;
CREATE INDEX orders_account_created ON orders (account_id, created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX orders_account_status_created;
CREATE INDEX orders_account_status_created ON orders (account_id, status, created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX orders_created;
CREATE INDEX orders_created ON orders (created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX orders_delivery_user;
CREATE INDEX orders_delivery_user ON orders (delivery_user_id, created_at, id) WHERE ((delivery_user_id IS NOT NULL) AND (deleted_at IS NULL));
DROP INDEX orders_status_created;
CREATE INDEX orders_status_created ON orders (status, created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX products_account_created;
CREATE INDEX products_account_created ON products (account_id, created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX products_created;
CREATE INDEX products_created ON products (created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX stock_histories_created;
CREATE INDEX stock_histories_created ON stock_histories (created_at, id);
DROP INDEX stock_histories_stock;
CREATE INDEX stock_histories_stock ON stock_histories (stock_id, id);
DROP INDEX stocks_created;
CREATE INDEX stocks_created ON stocks (created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX stocks_warehouse;
CREATE INDEX stocks_warehouse ON stocks (warehouse_id, created_at, id) WHERE (deleted_at IS NULL);
DROP INDEX users_role;
CREATE INDEX users_role ON users (role, created_at);
DROP INDEX webhook_attempts_webhook;
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id);
