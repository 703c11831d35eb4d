-- The dashboard's leads and orders lists at scale (bench/leads-page.ts).
--
-- Live leads and orders per account and status, kept exact by statement-level triggers, so the
-- status tabs read a handful of rows instead of counting every lead of the account (counting
-- 200,000 leads cost 80–150 ms a page on the benchmark machine).
-- Each statement adds its net change per (account, status) in one upsert, in key order, and only
-- where a count moves: renames and other edits take no lock here.

CREATE TABLE status_counts (
  subject    text NOT NULL CHECK (subject IN ('leads', 'orders')),
  account_id text NOT NULL REFERENCES accounts (id),
  status     text NOT NULL,
  n          bigint NOT NULL,
  PRIMARY KEY (subject, account_id, status)
);

CREATE FUNCTION status_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO status_counts (subject, account_id, status, n)
    SELECT TG_TABLE_NAME, account_id, status, count(*) FROM new_rows WHERE deleted_at IS NULL
     GROUP BY account_id, status ORDER BY account_id, status
    ON CONFLICT (subject, account_id, status) DO UPDATE SET n = status_counts.n + EXCLUDED.n;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO status_counts (subject, account_id, status, n)
    SELECT TG_TABLE_NAME, account_id, status, sum(d) FROM (
        SELECT account_id, status, 1 AS d FROM new_rows WHERE deleted_at IS NULL
        UNION ALL
        SELECT account_id, status, -1 AS d FROM old_rows WHERE deleted_at IS NULL) c
     GROUP BY account_id, status HAVING sum(d) <> 0 ORDER BY account_id, status
    ON CONFLICT (subject, account_id, status) DO UPDATE SET n = status_counts.n + EXCLUDED.n;
  ELSE
    INSERT INTO status_counts (subject, account_id, status, n)
    SELECT TG_TABLE_NAME, account_id, status, -count(*) FROM old_rows WHERE deleted_at IS NULL
     GROUP BY account_id, status ORDER BY account_id, status
    ON CONFLICT (subject, account_id, status) DO UPDATE SET n = status_counts.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;

-- Transition tables allow one event per trigger.
CREATE TRIGGER leads_counts_insert AFTER INSERT ON leads REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION status_counts_apply();
CREATE TRIGGER leads_counts_update AFTER UPDATE ON leads REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION status_counts_apply();
CREATE TRIGGER leads_counts_delete AFTER DELETE ON leads REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION status_counts_apply();
CREATE TRIGGER orders_counts_insert AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION status_counts_apply();
CREATE TRIGGER orders_counts_update AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION status_counts_apply();
CREATE TRIGGER orders_counts_delete AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION status_counts_apply();

INSERT INTO status_counts (subject, account_id, status, n)
SELECT 'leads', account_id, status, count(*) FROM leads WHERE deleted_at IS NULL GROUP BY account_id, status;
INSERT INTO status_counts (subject, account_id, status, n)
SELECT 'orders', account_id, status, count(*) FROM orders WHERE deleted_at IS NULL GROUP BY account_id, status;

-- Staff lists span every account: newest first overall and per status, a courier's orders, the
-- orders an agent confirmed, and the history pages without an account.
CREATE INDEX leads_created ON leads (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_status_created ON leads (status, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX orders_created ON orders (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX orders_status_created ON orders (status, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX orders_delivery_user ON orders (delivery_user_id, created_at DESC, id DESC) WHERE delivery_user_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX lead_histories_created ON lead_histories (created_at DESC, id DESC);
CREATE INDEX lead_histories_confirmed_by ON lead_histories (user_id) WHERE new_status = 'confirmed';
CREATE INDEX order_histories_created ON order_histories (created_at DESC, id DESC);
