-- Announcements (domain.md's notifications row: admins create and delete notifications): one row
-- per send, with whom it went to, and a notification per recipient pointing back at it, written by
-- one INSERT … SELECT (src/modules/notifications/service.ts `announce`). Deleting the announcement
-- deletes every row of it, read or not (docs/decisions.md, "Notifications").
CREATE TABLE announcements (
  id         text PRIMARY KEY,
  sent_by    text REFERENCES users (id),
  audience   text NOT NULL CHECK (audience IN ('all', 'role', 'users')),
  -- The role of an audience 'role' (users.role's values), else NULL.
  role       text CHECK (role IN ('admin', 'manager-leader', 'manager', 'call-center-manager',
                                  'agent', 'follow-up-agent', 'stock-manager', 'sourcing-agent', 'delivery', 'seller')),
  title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  message    text NOT NULL DEFAULT '' CHECK (length(message) <= 2000),
  link       text CHECK (link IS NULL OR (link LIKE '/%' AND length(link) <= 500)),
  -- How many notifications the send wrote (set in the send's transaction).
  recipients integer NOT NULL DEFAULT 0 CHECK (recipients >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT announcements_role_audience CHECK ((audience = 'role') = (role IS NOT NULL))
);
-- The admin's list of sends, newest first (read backwards; migration 0025).
CREATE INDEX announcements_created ON announcements (created_at, id);

ALTER TABLE notifications ADD COLUMN announcement_id text REFERENCES announcements (id) ON DELETE CASCADE;
-- The delete's cascade finds an announcement's rows without reading the table.
CREATE INDEX notifications_announcement ON notifications (announcement_id) WHERE announcement_id IS NOT NULL;
