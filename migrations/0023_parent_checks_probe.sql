-- The parent checks (0013) probe the parent's primary key once per distinct value.
--
-- Their NOT EXISTS was planned as an anti join, and PL/pgSQL keeps a trigger's plan until the
-- parent table is analysed again: planned while `leads` was nearly empty (a new installation, the
-- first ANALYZE of the maintenance task), it was a merge or hash anti join that read every lead's
-- primary-key entry on each insert of lines and histories, so the cost of a create grew with the
-- table until the next ANALYZE (up to 10 s later, a minute with autovacuum). OFFSET 0 keeps each
-- NOT EXISTS a sub-plan run per distinct value, an index probe whatever the statistics; once the
-- tables are analysed it costs nothing measurable (docs/decisions.md, "Plans made on young tables").
-- The function of 0013 is otherwise unchanged: its text is edited, not copied.
DO $$
DECLARE
  def text := pg_get_functiondef('require_parents()'::regprocedure);
  probed text := replace(def, 'WHERE p.id = n.v)', 'WHERE p.id = n.v OFFSET 0)');
BEGIN
  IF probed = def THEN
    RAISE EXCEPTION 'require_parents() has no parent check to change';
  END IF;
  EXECUTE probed;
END $$;
