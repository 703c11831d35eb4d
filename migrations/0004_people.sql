-- People management in the dashboard: warehouses that stock managers are assigned to (a later
-- migration completes the table), soft-deleted users (a seller's removed team member keeps their
-- history; the email becomes free again) and the manager_id lookups of team lists.

CREATE TABLE warehouses (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  city       text,
  address    text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE users ADD COLUMN deleted_at timestamptz;
DROP INDEX users_email_unique;
CREATE UNIQUE INDEX users_email_unique ON users (lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX users_manager ON users (manager_id) WHERE manager_id IS NOT NULL;
