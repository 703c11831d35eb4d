-- The agent statistics' "minutes to first call" without looking for each call's predecessors: the
-- first call of a lead carries the minutes from the lead's creation to it (NULL on every later
-- call), so the statistics read the range's calls once (call-centre.md, agent statistics). A row
-- trigger sets it, whoever writes the call (the lead transition, a fixture, a raw load).
ALTER TABLE lead_calls ADD COLUMN first_call_minutes numeric;

UPDATE lead_calls lc
   SET first_call_minutes = extract(epoch FROM lc.created_at - l.created_at) / 60
  FROM leads l, (SELECT DISTINCT ON (lead_id) id FROM lead_calls ORDER BY lead_id, created_at, id) f
 WHERE f.id = lc.id AND l.id = lc.lead_id;

CREATE FUNCTION lead_calls_first_call() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM lead_calls e WHERE e.lead_id = NEW.lead_id) THEN
    NEW.first_call_minutes := (SELECT extract(epoch FROM NEW.created_at - l.created_at) / 60 FROM leads l WHERE l.id = NEW.lead_id);
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER lead_calls_first_call BEFORE INSERT ON lead_calls FOR EACH ROW EXECUTE FUNCTION lead_calls_first_call();

-- The statistics and the chart read a date range of calls: consecutive in this index.
CREATE INDEX lead_calls_created ON lead_calls (created_at);
