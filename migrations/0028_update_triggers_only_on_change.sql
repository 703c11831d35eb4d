-- An UPDATE runs the parent checks and the status-count trigger only when a row's references or
-- counted columns change.
--
-- The statement triggers of 0008 and 0009 fired on every UPDATE of leads, orders, their lines and
-- histories, whatever it changed: a PATCH of a customer's city or a call-centre claim ran the
-- parent checks of `account_id` and `order_id` and the count trigger's union of old and new rows,
-- three PL/pgSQL statements (about 25 µs each) that could find nothing. Their answer is known when
-- no row's reference changes (parents cannot be deleted while referenced, ids cannot change, so
-- references checked when they were written still hold) and when no row's account, status or
-- deletion changes (the count's net change is then zero). A row trigger whose WHEN compares OLD
-- and NEW, evaluated without calling a function, notes a change in `codops.references_changed` or
-- `codops.counts_changed` (the statement's statement_timestamp(), so the note is this statement's
-- alone); the statement triggers run only when it is there. docs/decisions.md, "Updates check what
-- they change".

CREATE FUNCTION note_statement_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  noted text;
BEGIN
  -- Argument: the setting that records this statement's change.
  noted := set_config(TG_ARGV[0], statement_timestamp()::text, true);
  RETURN NEW;
END $$;

DO $$
DECLARE
  t record;
  w record;
  setting text;
  def text;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('leads', ARRAY['account_id', 'order_id'], true),
      ('orders', ARRAY['account_id', 'lead_id', 'delivery_user_id'], true),
      ('lead_lines', ARRAY['lead_id', 'product_id'], false),
      ('order_lines', ARRAY['order_id', 'product_id'], false),
      ('lead_histories', ARRAY['account_id', 'lead_id', 'user_id', 'token_id', 'impersonator_id'], false),
      ('order_histories', ARRAY['account_id', 'order_id', 'user_id', 'token_id', 'impersonator_id'], false))
    AS v(tab, refs, counted)
  LOOP
    -- What a row's change is, and the statement trigger that runs only after one.
    FOR w IN SELECT * FROM (VALUES
        ('references', (SELECT string_agg(format('OLD.%1$I IS DISTINCT FROM NEW.%1$I', c), ' OR ') FROM unnest(t.refs) c),
         t.tab || '_check_parents_update'),
        ('counts', 'OLD.status IS DISTINCT FROM NEW.status OR OLD.account_id IS DISTINCT FROM NEW.account_id
                    OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)',
         t.tab || '_counts_update')) AS x(kind, changed, statement_trigger)
      WHERE x.kind = 'references' OR t.counted
    LOOP
      setting := 'codops.' || w.kind || '_changed';
      -- Once one row has noted the statement's change, the other rows of a bulk update call no function.
      EXECUTE format(
        'CREATE TRIGGER %1$I BEFORE UPDATE ON %2$I FOR EACH ROW
           WHEN ((%3$s) AND current_setting(%4$L, true) IS DISTINCT FROM statement_timestamp()::text)
           EXECUTE FUNCTION note_statement_change(%4$L)',
        t.tab || '_note_' || w.kind, t.tab, w.changed, setting);
      -- The statement trigger keeps its function and arguments; only its WHEN is new.
      SELECT pg_get_triggerdef(oid) INTO def FROM pg_trigger WHERE tgrelid = t.tab::regclass AND tgname = w.statement_trigger;
      IF position('FOR EACH STATEMENT EXECUTE' IN coalesce(def, '')) = 0 THEN
        RAISE EXCEPTION 'trigger % on % is not the statement trigger expected', w.statement_trigger, t.tab;
      END IF;
      EXECUTE format('DROP TRIGGER %I ON %I', w.statement_trigger, t.tab);
      EXECUTE replace(def, 'FOR EACH STATEMENT EXECUTE',
        format('FOR EACH STATEMENT WHEN (current_setting(%L, true) = statement_timestamp()::text) EXECUTE', setting));
    END LOOP;
  END LOOP;
END $$;
