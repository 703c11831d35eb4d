-- Exported files (webhooks-files.md, Exports): one per export job (same id), downloadable only by the
-- user who asked for it (or an admin) and deleted with its file once `expires_at` has passed.
CREATE TABLE exports (
  id         uuid PRIMARY KEY,
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  file_key   text NOT NULL,
  rows       integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX exports_expires_at ON exports (expires_at);
