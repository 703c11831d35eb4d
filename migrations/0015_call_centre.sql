-- The call centre (call-centre.md): its settings, the call centres, the agents' claims on leads,
-- managers' assignments, pauses, and one row per call for the agent statistics.

-- One row: the deployment's call-centre settings.
CREATE TABLE call_centre_settings (
  singleton             boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  max_attempts          integer NOT NULL DEFAULT 5,
  claim_minutes         integer NOT NULL DEFAULT 5,
  duplicate_window_days integer NOT NULL DEFAULT 7,
  cancel_reasons        jsonb NOT NULL
                          DEFAULT '["too_expensive", "not_interested", "ordered_elsewhere", "fake_order", "unreachable", "other"]',
  updated_at            timestamptz NOT NULL DEFAULT now()
);
INSERT INTO call_centre_settings DEFAULT VALUES;

CREATE TABLE call_centers (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  manager_id text REFERENCES users (id),
  status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX call_centers_name_unique ON call_centers (lower(name));
CREATE INDEX call_centers_manager ON call_centers (manager_id) WHERE manager_id IS NOT NULL;

ALTER TABLE users ADD COLUMN call_center_id text REFERENCES call_centers (id);
ALTER TABLE users ADD COLUMN paused_at timestamptz;
CREATE INDEX users_call_center ON users (call_center_id) WHERE call_center_id IS NOT NULL;

-- claimed_by/claimed_until: the agent calling the lead now (a claim past claimed_until is free again);
-- assigned_to: the agent a manager gave the lead to; last_call_at orders the no_reply leads.
ALTER TABLE leads ADD COLUMN claimed_by text REFERENCES users (id);
ALTER TABLE leads ADD COLUMN claimed_until timestamptz;
ALTER TABLE leads ADD COLUMN assigned_to text REFERENCES users (id);
ALTER TABLE leads ADD COLUMN last_call_at timestamptz;

-- The queue's tiers, each read in its own order by `POST /call-centre/next` (call-centre/queue.ts):
-- due callbacks by callback_at, new leads oldest first (leads_status_created, 0008), no_reply
-- leads by attempts then last call; a held claim and assigned leads by their agent.
CREATE INDEX leads_queue_callbacks ON leads (callback_at, id)
  WHERE status = 'call_later' AND deleted_at IS NULL AND assigned_to IS NULL;
CREATE INDEX leads_queue_new ON leads (created_at, id)
  WHERE status = 'new' AND deleted_at IS NULL AND assigned_to IS NULL;
CREATE INDEX leads_queue_no_reply ON leads (call_attempts, last_call_at NULLS FIRST, id)
  WHERE status = 'no_reply' AND deleted_at IS NULL AND assigned_to IS NULL;
CREATE INDEX leads_assigned ON leads (assigned_to) WHERE assigned_to IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX leads_claimed ON leads (claimed_by) WHERE claimed_by IS NOT NULL;

-- Every outcome an agent records is a call (statistics, "calls today").
CREATE TABLE lead_calls (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  lead_id    text NOT NULL REFERENCES leads (id),
  agent_id   text NOT NULL REFERENCES users (id),
  outcome    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_calls_agent ON lead_calls (agent_id, created_at);
CREATE INDEX lead_calls_lead ON lead_calls (lead_id, created_at);
