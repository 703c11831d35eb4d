-- Dashboard sessions (logout, deactivation and password change delete them), password resets and
-- login throttling.

CREATE TABLE sessions (
  id         text PRIMARY KEY,            -- SHA-256 of the cookie's session id
  user_id    text REFERENCES users (id) ON DELETE CASCADE,
  data       jsonb NOT NULL,
  expires_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE password_resets (
  token_hash text PRIMARY KEY,
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_resets_user ON password_resets (user_id);

CREATE TABLE login_throttles (
  key        text PRIMARY KEY,            -- lower(email) | ip
  failures   integer NOT NULL,
  reset_at   timestamptz NOT NULL
);

-- Every dashboard change, with both people while an admin is logged in as someone else.
CREATE TABLE audit_log (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id         text REFERENCES users (id),
  impersonator_id text REFERENCES users (id),
  action          text NOT NULL,            -- e.g. accounts.update, users.deactivate, tokens.create
  subject_type    text NOT NULL,
  subject_id      text NOT NULL,
  account_id      text REFERENCES accounts (id),
  changes         jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, id DESC);
CREATE INDEX audit_log_impersonator ON audit_log (impersonator_id, id DESC) WHERE impersonator_id IS NOT NULL;
