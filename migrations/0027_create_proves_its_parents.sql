-- A lead create proves its rows' parents in its own statement; the per-statement checks then stand aside.
--
-- The parent checks (0009, 0013, 0023) run one PL/pgSQL statement per referenced column: nine for a
-- POST /leads of one lead (leads 2, lines 2, histories 5), about 25 µs each whatever the number of
-- rows, a quarter of a small create's database time. The create's statement (insertLeads in
-- src/modules/leads/service.ts) already holds every parent it writes: the account is the one whose
-- active products it found (products keep a real foreign key to accounts), each line's lead is a row
-- of its own insert and its product a row it read, each history's lead a row of its insert, and it
-- probes the acting user, token and impersonator by primary key. When all of that holds it sets
-- `codops.parents_proven` to its own statement_timestamp(), and these three triggers, whose WHEN is
-- evaluated at the end of that same statement, do not run. Any other statement, later in the same
-- transaction included, has another statement_timestamp() and is checked as before; so is the create
-- whose probes fail (the check then names the missing parent). docs/decisions.md, "A create proves
-- its parents".
DROP TRIGGER leads_check_parents_insert ON leads;
CREATE TRIGGER leads_check_parents_insert AFTER INSERT ON leads REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('codops.parents_proven', true) IS DISTINCT FROM statement_timestamp()::text)
  EXECUTE FUNCTION require_parents('account_id', 'accounts', 'order_id', 'orders');
DROP TRIGGER lead_lines_check_parents_insert ON lead_lines;
CREATE TRIGGER lead_lines_check_parents_insert AFTER INSERT ON lead_lines REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('codops.parents_proven', true) IS DISTINCT FROM statement_timestamp()::text)
  EXECUTE FUNCTION require_parents('lead_id', 'leads', 'product_id', 'products');
DROP TRIGGER lead_histories_check_parents_insert ON lead_histories;
CREATE TRIGGER lead_histories_check_parents_insert AFTER INSERT ON lead_histories REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('codops.parents_proven', true) IS DISTINCT FROM statement_timestamp()::text)
  EXECUTE FUNCTION require_parents('account_id', 'accounts', 'lead_id', 'leads',
    'user_id', 'users', 'token_id', 'api_tokens', 'impersonator_id', 'users');
