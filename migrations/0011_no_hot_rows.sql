-- Concurrent writes of one account no longer wait for each other on a per-account row (issue 10).
--
-- References: one sequence per account and kind, created on first use, in its own schema. nextval
-- takes no row lock and is never rolled back, so concurrent requests draw numbers at once; a
-- rolled-back request leaves a gap (docs/decisions.md, "References without a hot row").

CREATE SCHEMA reference_sequences;

-- The sequence of an account's references of one kind, created when missing. Two transactions
-- creating the same one at once: the second waits for the first and then uses its sequence.
CREATE FUNCTION reference_sequence(p_account text, p_kind text) RETURNS regclass LANGUAGE plpgsql AS $$
DECLARE
  name text := format('reference_sequences.%I', p_kind || '_' || lower(p_account));
  seq regclass := to_regclass(name);
BEGIN
  IF seq IS NULL THEN
    BEGIN
      EXECUTE format('CREATE SEQUENCE %s', name);
    EXCEPTION WHEN duplicate_table OR unique_violation THEN
      NULL;
    END;
    seq := to_regclass(name);
  END IF;
  RETURN seq;
END $$;

-- `p_count` new references of the account, increasing in the array's order.
CREATE FUNCTION reserve_references(p_account text, p_kind text, p_count int) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
  seq regclass := reference_sequence(p_account, p_kind);
BEGIN
  RETURN ARRAY(SELECT nextval(seq) FROM generate_series(1, p_count));
END $$;

SELECT setval(reference_sequence(account_id, kind), last_value) FROM reference_counters WHERE last_value > 0;
DROP TABLE reference_counters;

-- Status counts: each statement inserts its net change as new rows instead of updating one row per
-- (account, status), so writers never wait for each other; readers sum the rows (as they did), and
-- the maintenance task (src/db/maintenance.ts) folds them into one row per key from time to time.
ALTER TABLE status_counts DROP CONSTRAINT status_counts_pkey;
CREATE INDEX status_counts_key ON status_counts (subject, account_id, status);

CREATE OR REPLACE FUNCTION status_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO status_counts (subject, account_id, status, n)
    SELECT TG_TABLE_NAME, account_id, status, count(*) FROM new_rows WHERE deleted_at IS NULL GROUP BY account_id, status;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO status_counts (subject, account_id, status, n)
    SELECT TG_TABLE_NAME, account_id, status, sum(d) FROM (
        SELECT account_id, status, 1 AS d FROM new_rows WHERE deleted_at IS NULL
        UNION ALL
        SELECT account_id, status, -1 AS d FROM old_rows WHERE deleted_at IS NULL) c
     GROUP BY account_id, status HAVING sum(d) <> 0;
  ELSE
    INSERT INTO status_counts (subject, account_id, status, n)
    SELECT TG_TABLE_NAME, account_id, status, -count(*) FROM old_rows WHERE deleted_at IS NULL GROUP BY account_id, status;
  END IF;
  RETURN NULL;
END $$;
