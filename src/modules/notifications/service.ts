import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { audit } from '../../web/audit.js';
import type { WebUser } from '../../web/types.js';
import type { AnnouncementInput } from './schemas.js';

/** One notification for one user (a bell item). `link` is a dashboard path. */
export interface NotificationInput {
  userId: string;
  kind: string;
  title: string;
  message?: string;
  link?: string | null;
  /** The seller account the notification is about, when there is one. */
  accountId?: string | null;
}

/**
 * The one way to notify people: every row in one set-based INSERT, inside the caller's transaction
 * (a notification exists exactly when the change that caused it is committed).
 */
export async function notify(q: Queryable, rows: NotificationInput[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO notifications (user_id, account_id, kind, title, message, link)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
    [
      rows.map((r) => r.userId),
      rows.map((r) => r.accountId ?? null),
      rows.map((r) => r.kind),
      rows.map((r) => r.title.slice(0, 200)),
      rows.map((r) => (r.message ?? '').slice(0, 2000)),
      rows.map((r) => r.link ?? null),
    ],
  );
}

/** Marks these notifications of the user read (opening /notifications); answers how many changed. */
export async function markRead(q: Queryable, userId: string, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { rowCount } = await q.query(
    'UPDATE notifications SET read_at = now() WHERE user_id = $1 AND id = ANY($2::bigint[]) AND read_at IS NULL',
    [userId, ids],
  );
  return rowCount ?? 0;
}

/** Who may sign in: active, not deleted, and a seller's account active too (as web/scope.ts loadUser reads it). */
const ACTIVE_USER = `u.deleted_at IS NULL AND u.status = 'active'
  AND (u.account_id IS NULL OR EXISTS (SELECT 1 FROM accounts ac WHERE ac.id = u.account_id AND ac.status = 'active'))`;

/**
 * An admin's announcement: the send's row, then one notification (`kind` announcement) per
 * recipient in one INSERT … SELECT over users, in the caller's transaction, audited. Listed users
 * get it whatever their status (unless deleted); `all` and `role` reach active users only.
 */
export async function announce(q: Queryable, user: WebUser, input: AnnouncementInput): Promise<{ id: string; count: number }> {
  const id = newId();
  await q.query(`INSERT INTO announcements (id, sent_by, audience, role, title, message, link) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    id,
    user.id,
    input.audience,
    input.role,
    input.title,
    input.message,
    input.link,
  ]);
  const who =
    input.audience === 'users'
      ? 'u.id = ANY($2::text[]) AND u.deleted_at IS NULL'
      : input.audience === 'role'
        ? `u.role = $2 AND ${ACTIVE_USER}`
        : ACTIVE_USER;
  const params = input.audience === 'users' ? [id, input.userIds] : input.audience === 'role' ? [id, input.role] : [id];
  const { rowCount } = await q.query(
    `INSERT INTO notifications (user_id, kind, title, message, link, announcement_id)
     SELECT u.id, 'announcement', a.title, a.message, a.link, a.id
       FROM announcements a CROSS JOIN users u
      WHERE a.id = $1 AND ${who}`,
    params,
  );
  const count = rowCount ?? 0;
  await q.query('UPDATE announcements SET recipients = $2 WHERE id = $1', [id, count]);
  await audit(
    q,
    user,
    'notifications.create',
    { type: 'announcement', id },
    { title: input.title, audience: input.audience, role: input.role, recipients: count },
  );
  return { id, count };
}

/** Deletes the announcements `ids` and, by the foreign key's cascade, every notification of them; the deleted ones. */
export async function deleteAnnouncements(q: Queryable, ids: string[]): Promise<{ id: string; name: string; recipients: number }[]> {
  const { rows } = await q.query<{ id: string; name: string; recipients: number }>(
    'DELETE FROM announcements WHERE id = ANY($1::text[]) RETURNING id, title AS name, recipients',
    [ids],
  );
  return rows;
}
