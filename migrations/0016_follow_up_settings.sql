-- The follow-up queue's setting (fulfilment.md "Follow-up"): orders shipped for more than
-- follow_up_days days are called by the follow-up agents. One row for the deployment.
-- (A second file under this issue's migration number: 0016_notifications.sql may already be applied.)
CREATE TABLE fulfilment_settings (
  singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  follow_up_days integer NOT NULL DEFAULT 5 CHECK (follow_up_days BETWEEN 1 AND 365),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO fulfilment_settings DEFAULT VALUES;
