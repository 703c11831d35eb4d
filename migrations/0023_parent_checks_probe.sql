-- The parent checks (0013) probe the parent's primary key once per distinct value.
--
-- Their NOT EXISTS was planned as an anti join, and PL/pgSQL keeps a trigger's plan until the
-- parent table is analysed again: planned while `leads` was nearly empty (a new installation, the
-- first ANALYZE of the maintenance task), it was a merge or hash anti join that read every lead's
-- primary-key entry on each insert of lines and histories, so the cost of a create grew with the
-- table until the next ANALYZE (up to 10 s later, a minute with autovacuum). OFFSET 0 keeps each
-- NOT EXISTS a sub-plan run per distinct value, an index probe whatever the statistics. With
-- statistics the planner chose per-value probes anyway for the few values of a small write;
-- measured at 50,000 leads, the change costs nothing (docs/decisions.md, "Plans made on young tables").

CREATE OR REPLACE FUNCTION require_parents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  i int := 0;
  col text;
  parent text;
  missing text;
BEGIN
  CASE TG_TABLE_NAME
  WHEN 'leads' THEN
    col := 'account_id'; parent := 'accounts';
    missing := (SELECT n.v::text FROM (SELECT DISTINCT account_id AS v FROM new_rows WHERE account_id IS NOT NULL) n
                 WHERE NOT EXISTS (SELECT 1 FROM accounts p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    IF missing IS NULL THEN
      col := 'order_id'; parent := 'orders';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT order_id AS v FROM new_rows WHERE order_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM orders p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
  WHEN 'lead_lines' THEN
    col := 'lead_id'; parent := 'leads';
    missing := (SELECT n.v::text FROM (SELECT DISTINCT lead_id AS v FROM new_rows WHERE lead_id IS NOT NULL) n
                 WHERE NOT EXISTS (SELECT 1 FROM leads p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    IF missing IS NULL THEN
      col := 'product_id'; parent := 'products';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT product_id AS v FROM new_rows WHERE product_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
  WHEN 'lead_histories' THEN
    col := 'account_id'; parent := 'accounts';
    missing := (SELECT n.v::text FROM (SELECT DISTINCT account_id AS v FROM new_rows WHERE account_id IS NOT NULL) n
                 WHERE NOT EXISTS (SELECT 1 FROM accounts p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    IF missing IS NULL THEN
      col := 'lead_id'; parent := 'leads';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT lead_id AS v FROM new_rows WHERE lead_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM leads p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
    IF missing IS NULL THEN
      col := 'user_id'; parent := 'users';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT user_id AS v FROM new_rows WHERE user_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM users p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
    IF missing IS NULL THEN
      col := 'token_id'; parent := 'api_tokens';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT token_id AS v FROM new_rows WHERE token_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM api_tokens p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
    IF missing IS NULL THEN
      col := 'impersonator_id'; parent := 'users';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT impersonator_id AS v FROM new_rows WHERE impersonator_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM users p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
  WHEN 'orders' THEN
    col := 'account_id'; parent := 'accounts';
    missing := (SELECT n.v::text FROM (SELECT DISTINCT account_id AS v FROM new_rows WHERE account_id IS NOT NULL) n
                 WHERE NOT EXISTS (SELECT 1 FROM accounts p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    IF missing IS NULL THEN
      col := 'lead_id'; parent := 'leads';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT lead_id AS v FROM new_rows WHERE lead_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM leads p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
    IF missing IS NULL THEN
      col := 'delivery_user_id'; parent := 'users';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT delivery_user_id AS v FROM new_rows WHERE delivery_user_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM users p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
  WHEN 'order_lines' THEN
    col := 'order_id'; parent := 'orders';
    missing := (SELECT n.v::text FROM (SELECT DISTINCT order_id AS v FROM new_rows WHERE order_id IS NOT NULL) n
                 WHERE NOT EXISTS (SELECT 1 FROM orders p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    IF missing IS NULL THEN
      col := 'product_id'; parent := 'products';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT product_id AS v FROM new_rows WHERE product_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
  WHEN 'order_histories' THEN
    col := 'account_id'; parent := 'accounts';
    missing := (SELECT n.v::text FROM (SELECT DISTINCT account_id AS v FROM new_rows WHERE account_id IS NOT NULL) n
                 WHERE NOT EXISTS (SELECT 1 FROM accounts p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    IF missing IS NULL THEN
      col := 'order_id'; parent := 'orders';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT order_id AS v FROM new_rows WHERE order_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM orders p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
    IF missing IS NULL THEN
      col := 'user_id'; parent := 'users';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT user_id AS v FROM new_rows WHERE user_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM users p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
    IF missing IS NULL THEN
      col := 'token_id'; parent := 'api_tokens';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT token_id AS v FROM new_rows WHERE token_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM api_tokens p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
    IF missing IS NULL THEN
      col := 'impersonator_id'; parent := 'users';
      missing := (SELECT n.v::text FROM (SELECT DISTINCT impersonator_id AS v FROM new_rows WHERE impersonator_id IS NOT NULL) n
                   WHERE NOT EXISTS (SELECT 1 FROM users p WHERE p.id = n.v OFFSET 0) LIMIT 1);
    END IF;
  ELSE
    -- Arguments: pairs of (column, parent table), the parent keyed by id.
    WHILE i < TG_NARGS AND missing IS NULL LOOP
      col := TG_ARGV[i];
      parent := TG_ARGV[i + 1];
      EXECUTE format(
        'SELECT n.v::text FROM (SELECT DISTINCT %1$I AS v FROM new_rows WHERE %1$I IS NOT NULL) n
          WHERE NOT EXISTS (SELECT 1 FROM %2$I p WHERE p.id = n.v OFFSET 0) LIMIT 1',
        col, parent) INTO missing;
      i := i + 2;
    END LOOP;
  END CASE;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'insert or update on table "%" violates foreign key: %=(%) is not present in table "%"',
      TG_TABLE_NAME, col, missing, parent USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
