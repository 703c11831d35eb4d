-- One row naming this installation: shared stores (Redis rate-limit counters) are keyed by it, so
-- two databases using one Redis never count each other's tokens.
CREATE TABLE instance (
  id         text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  created_at timestamptz NOT NULL DEFAULT now(),
  singleton  boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton)
);
INSERT INTO instance DEFAULT VALUES;
