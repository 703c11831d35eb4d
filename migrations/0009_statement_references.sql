-- References of the bulk-written tables checked once per statement instead of once per row.
--
-- A 1,000-lead POST /leads fired 11,000 per-row foreign-key triggers (lines → leads and products,
-- histories → accounts, leads, users, tokens, leads → accounts and orders): each an index lookup
-- and a FOR KEY SHARE lock, written to the WAL, mostly on rows the same statement had just
-- inserted or on the same account, user and token a thousand times over. That was about 40 % of
-- the whole insert (bench/run.ts, raw path, interleaved A/B on this schema: 163 → 98 ms).
-- These triggers make the same promise set-wise: after each INSERT or UPDATE, every distinct
-- non-null reference of the statement's rows must exist; a parent whose rows are still referenced
-- cannot be deleted; ids never change. Nothing in codops hard-deletes these parents (leads,
-- orders, products and users are soft-deleted or deactivated), so no row locks are taken.

CREATE FUNCTION require_parents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  i int := 0;
  missing text;
BEGIN
  -- Arguments: pairs of (column, parent table), the parent keyed by id.
  WHILE i < TG_NARGS LOOP
    EXECUTE format(
      'SELECT n.v::text FROM (SELECT DISTINCT %1$I AS v FROM new_rows WHERE %1$I IS NOT NULL) n
        WHERE NOT EXISTS (SELECT 1 FROM %2$I p WHERE p.id = n.v) LIMIT 1',
      TG_ARGV[i], TG_ARGV[i + 1]) INTO missing;
    IF missing IS NOT NULL THEN
      RAISE EXCEPTION 'insert or update on table "%" violates foreign key: %=(%) is not present in table "%"',
        TG_TABLE_NAME, TG_ARGV[i], missing, TG_ARGV[i + 1] USING ERRCODE = 'foreign_key_violation';
    END IF;
    i := i + 2;
  END LOOP;
  RETURN NULL;
END $$;

CREATE FUNCTION refuse_orphans() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  i int := 0;
  referenced text;
BEGIN
  -- Arguments: pairs of (child table, child column) that reference this table's id.
  WHILE i < TG_NARGS LOOP
    EXECUTE format(
      'SELECT o.id::text FROM old_rows o WHERE EXISTS (SELECT 1 FROM %1$I c WHERE c.%2$I = o.id) LIMIT 1',
      TG_ARGV[i], TG_ARGV[i + 1]) INTO referenced;
    IF referenced IS NOT NULL THEN
      RAISE EXCEPTION 'delete on table "%" violates foreign key: id=(%) is still referenced from table "%"',
        TG_TABLE_NAME, referenced, TG_ARGV[i] USING ERRCODE = 'foreign_key_violation';
    END IF;
    i := i + 2;
  END LOOP;
  RETURN NULL;
END $$;

CREATE FUNCTION refuse_id_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the id of a row of "%" cannot change', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
END $$;

ALTER TABLE leads DROP CONSTRAINT leads_account_id_fkey, DROP CONSTRAINT leads_order;
ALTER TABLE lead_lines DROP CONSTRAINT lead_lines_lead_id_fkey, DROP CONSTRAINT lead_lines_product_id_fkey;
ALTER TABLE lead_histories
  DROP CONSTRAINT lead_histories_account_id_fkey, DROP CONSTRAINT lead_histories_lead_id_fkey,
  DROP CONSTRAINT lead_histories_user_id_fkey, DROP CONSTRAINT lead_histories_token_id_fkey,
  DROP CONSTRAINT lead_histories_impersonator_id_fkey;
ALTER TABLE orders
  DROP CONSTRAINT orders_account_id_fkey, DROP CONSTRAINT orders_lead_id_fkey, DROP CONSTRAINT orders_delivery_user_id_fkey;
ALTER TABLE order_lines DROP CONSTRAINT order_lines_order_id_fkey, DROP CONSTRAINT order_lines_product_id_fkey;
ALTER TABLE order_histories
  DROP CONSTRAINT order_histories_account_id_fkey, DROP CONSTRAINT order_histories_order_id_fkey,
  DROP CONSTRAINT order_histories_user_id_fkey, DROP CONSTRAINT order_histories_token_id_fkey,
  DROP CONSTRAINT order_histories_impersonator_id_fkey;

-- Children: one trigger per event (transition tables allow one event per trigger), named to fire
-- before the status counts (triggers fire in name order).
CREATE TRIGGER leads_check_parents_insert AFTER INSERT ON leads REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('account_id', 'accounts', 'order_id', 'orders');
CREATE TRIGGER leads_check_parents_update AFTER UPDATE ON leads REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('account_id', 'accounts', 'order_id', 'orders');
CREATE TRIGGER lead_lines_check_parents_insert AFTER INSERT ON lead_lines REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('lead_id', 'leads', 'product_id', 'products');
CREATE TRIGGER lead_lines_check_parents_update AFTER UPDATE ON lead_lines REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('lead_id', 'leads', 'product_id', 'products');
CREATE TRIGGER lead_histories_check_parents_insert AFTER INSERT ON lead_histories REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('account_id', 'accounts', 'lead_id', 'leads',
    'user_id', 'users', 'token_id', 'api_tokens', 'impersonator_id', 'users');
CREATE TRIGGER lead_histories_check_parents_update AFTER UPDATE ON lead_histories REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('account_id', 'accounts', 'lead_id', 'leads',
    'user_id', 'users', 'token_id', 'api_tokens', 'impersonator_id', 'users');
CREATE TRIGGER orders_check_parents_insert AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('account_id', 'accounts', 'lead_id', 'leads', 'delivery_user_id', 'users');
CREATE TRIGGER orders_check_parents_update AFTER UPDATE ON orders REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('account_id', 'accounts', 'lead_id', 'leads', 'delivery_user_id', 'users');
CREATE TRIGGER order_lines_check_parents_insert AFTER INSERT ON order_lines REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('order_id', 'orders', 'product_id', 'products');
CREATE TRIGGER order_lines_check_parents_update AFTER UPDATE ON order_lines REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('order_id', 'orders', 'product_id', 'products');
CREATE TRIGGER order_histories_check_parents_insert AFTER INSERT ON order_histories REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('account_id', 'accounts', 'order_id', 'orders',
    'user_id', 'users', 'token_id', 'api_tokens', 'impersonator_id', 'users');
CREATE TRIGGER order_histories_check_parents_update AFTER UPDATE ON order_histories REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION require_parents('account_id', 'accounts', 'order_id', 'orders',
    'user_id', 'users', 'token_id', 'api_tokens', 'impersonator_id', 'users');

-- Parents: a delete that would orphan a row fails; ids are immutable.
CREATE INDEX leads_order ON leads (order_id) WHERE order_id IS NOT NULL;
CREATE TRIGGER accounts_check_children_delete AFTER DELETE ON accounts REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_orphans('leads', 'account_id', 'orders', 'account_id',
    'lead_histories', 'account_id', 'order_histories', 'account_id');
CREATE TRIGGER leads_check_children_delete AFTER DELETE ON leads REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_orphans('lead_lines', 'lead_id', 'lead_histories', 'lead_id', 'orders', 'lead_id');
CREATE TRIGGER orders_check_children_delete AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_orphans('order_lines', 'order_id', 'order_histories', 'order_id', 'leads', 'order_id');
CREATE TRIGGER products_check_children_delete AFTER DELETE ON products REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_orphans('lead_lines', 'product_id', 'order_lines', 'product_id');
CREATE TRIGGER users_check_children_delete AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_orphans('lead_histories', 'user_id', 'lead_histories', 'impersonator_id',
    'order_histories', 'user_id', 'order_histories', 'impersonator_id', 'orders', 'delivery_user_id');
CREATE TRIGGER api_tokens_check_children_delete AFTER DELETE ON api_tokens REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_orphans('lead_histories', 'token_id', 'order_histories', 'token_id');
CREATE TRIGGER accounts_id_fixed BEFORE UPDATE OF id ON accounts FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION refuse_id_change();
CREATE TRIGGER leads_id_fixed BEFORE UPDATE OF id ON leads FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION refuse_id_change();
CREATE TRIGGER orders_id_fixed BEFORE UPDATE OF id ON orders FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION refuse_id_change();
CREATE TRIGGER products_id_fixed BEFORE UPDATE OF id ON products FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION refuse_id_change();
CREATE TRIGGER users_id_fixed BEFORE UPDATE OF id ON users FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION refuse_id_change();
CREATE TRIGGER api_tokens_id_fixed BEFORE UPDATE OF id ON api_tokens FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION refuse_id_change();
