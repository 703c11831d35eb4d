-- Outgoing webhooks of webhooks-files.md: the account's endpoints, the outbox of events written in the
-- transaction of the change, one delivery per (event, webhook) that a worker sends and retries, and
-- every attempt for the delivery log. The secret is sealed with the app key, never stored in clear.

CREATE TABLE webhooks (
  id                   text PRIMARY KEY,
  account_id           text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  url                  text NOT NULL,
  secret_sealed        text NOT NULL,
  event_types          text[] NOT NULL,
  custom_headers       jsonb NOT NULL DEFAULT '[]',
  status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  consecutive_failures integer NOT NULL DEFAULT 0,
  disabled_at          timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_account ON webhooks (account_id) WHERE status = 'active';

-- The outbox: an event as it was when it happened (`data` is the API's JSON of the resource then).
-- `seq` orders the events of one resource (`resource_key`, e.g. `lead:<id>`).
CREATE TABLE webhook_events (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq             bigserial NOT NULL UNIQUE,
  account_id      text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  type            text NOT NULL,
  resource_key    text NOT NULL,
  data            json NOT NULL,
  previous_status text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_account ON webhook_events (account_id, seq);

-- One event to one webhook: pending until a 2xx (delivered) or the last retry (failed).
-- A worker holds it while sending (`locked_until`, `lock_token`); a lapsed lock is taken again.
CREATE TABLE webhook_deliveries (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  webhook_id      text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id        uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
  event_seq       bigint NOT NULL,
  resource_key    text NOT NULL,
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until    timestamptz,
  lock_token      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  UNIQUE (event_id, webhook_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
-- An earlier pending event of the same resource holds the later ones back (per-resource order).
CREATE INDEX webhook_deliveries_resource ON webhook_deliveries (webhook_id, resource_key, event_seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at);

-- The delivery log: every request sent, newest first on the webhook's page.
CREATE TABLE webhook_attempts (
  id            bigserial PRIMARY KEY,
  delivery_id   uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  webhook_id    text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  attempt       integer NOT NULL,
  http_status   integer,
  duration_ms   integer NOT NULL,
  response      text,
  error         text,
  next_retry_at timestamptz,
  resend        boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id DESC);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
