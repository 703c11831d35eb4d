-- An order's history rows are written by a statement that proves their parents, as a lead's are
-- (0027; src/modules/records/history.ts appendHistories): the per-statement check stands aside for
-- that one statement and runs for any other. docs/decisions.md, "A create proves its parents".
DROP TRIGGER order_histories_check_parents_insert ON order_histories;
CREATE TRIGGER order_histories_check_parents_insert AFTER INSERT ON order_histories REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('codops.parents_proven', true) IS DISTINCT FROM statement_timestamp()::text)
  EXECUTE FUNCTION require_parents('account_id', 'accounts', 'order_id', 'orders',
    'user_id', 'users', 'token_id', 'api_tokens', 'impersonator_id', 'users');
