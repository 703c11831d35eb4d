-- Notifications (fulfilment.md "Low stock", domain.md's notifications row): one row per recipient,
-- written set-based by src/modules/notifications/service.ts `notify`, read on /notifications and
-- counted (unread) by the bell of every dashboard page.
CREATE TABLE notifications (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    text NOT NULL REFERENCES users (id),
  -- The seller account the notification is about, when there is one (a low stock: the product's account).
  account_id text REFERENCES accounts (id),
  kind       text NOT NULL CHECK (length(kind) BETWEEN 1 AND 50),
  title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  message    text NOT NULL DEFAULT '' CHECK (length(message) <= 2000),
  link       text CHECK (link IS NULL OR link LIKE '/%'),
  read_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- A user's list, newest first; the bell's count reads the unread part only.
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_user_unread ON notifications (user_id) WHERE read_at IS NULL;
