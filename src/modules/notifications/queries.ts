import type { Queryable } from '../../db/database.js';
import { jsonPage, type PageRequest } from '../../db/paging.js';
import { Where } from '../../db/where.js';
import { ROLES, ROLE_SLUGS, type Role } from '../../core/roles.js';
import { MAX_RECIPIENTS, type Audience } from './schemas.js';

export interface NotificationItem {
  id: number;
  kind: string;
  title: string;
  message: string;
  link: string | null;
  read_at: string | null;
  created_at: string;
}

const NOTIFICATION_JSON = `json_build_object('id', n.id, 'kind', n.kind, 'title', n.title, 'message', n.message, 'link', n.link,
  'read_at', iso_utc(n.read_at), 'created_at', iso_utc(n.created_at))`;

/** One page of a user's notifications, newest first (`{"data":[…],"meta":{…}}` as text). */
export function notificationPage(q: Queryable, userId: string, page: PageRequest): Promise<string> {
  const w = new Where();
  w.and(`n.user_id = ${w.param(userId)}`);
  return jsonPage(q, {
    jsonExpr: NOTIFICATION_JSON,
    from: 'FROM notifications n',
    key: 'n.id',
    where: w,
    orderBy: [['n.id', 'DESC']],
    page,
  });
}

/** How many of the user's notifications are unread (the bell). */
export async function unreadCount(q: Queryable, userId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL', [
    userId,
  ]);
  return rows[0].n;
}

/** Which of `ids` name users that exist (not deleted): the `exists` rule of a send's `user_ids`. */
export async function existingUserIds(q: Queryable, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await q.query<{ id: string }>('SELECT id FROM users WHERE id = ANY($1::text[]) AND deleted_at IS NULL', [ids]);
  return new Set(rows.map((r) => r.id));
}

/** The users a send may list, for the form's picker: not deleted, by name (at most `limit`). */
export async function recipientOptions(
  q: Queryable,
  limit = MAX_RECIPIENTS,
): Promise<{ id: string; full_name: string; role: Role; email: string }[]> {
  const { rows } = await q.query<{ id: string; full_name: string; role: Role; email: string }>(
    'SELECT id, full_name, role, email FROM users WHERE deleted_at IS NULL ORDER BY lower(full_name), id LIMIT $1',
    [limit],
  );
  return rows;
}

export interface AnnouncementItem {
  id: string;
  title: string;
  message: string;
  link: string | null;
  audience: Audience;
  /** The role's slug (`sellers`) when the audience is a role. */
  role: string | null;
  recipients: number;
  /** How many recipients opened it so far. */
  read: number;
  sent_by: { id: string; full_name: string } | null;
  created_at: string;
}

const ROLE_SLUG_SQL = `CASE a.role ${ROLES.map((r) => `WHEN '${r}' THEN '${ROLE_SLUGS[r]}'`).join(' ')} END`;

const ANNOUNCEMENT_JSON = `json_build_object('id', a.id, 'title', a.title, 'message', a.message, 'link', a.link,
  'audience', a.audience, 'role', ${ROLE_SLUG_SQL}, 'recipients', a.recipients,
  'read', (SELECT count(*)::int FROM notifications n WHERE n.announcement_id = a.id AND n.read_at IS NOT NULL),
  'sent_by', CASE WHEN s.id IS NULL THEN NULL ELSE json_build_object('id', s.id, 'full_name', s.full_name) END,
  'created_at', iso_utc(a.created_at))`;

/** One page of the announcements admins sent, newest first (`{"data":[…],"meta":{…}}` as text). */
export function announcementPage(q: Queryable, page: PageRequest): Promise<string> {
  return jsonPage(q, {
    jsonExpr: ANNOUNCEMENT_JSON,
    from: 'FROM announcements a LEFT JOIN users s ON s.id = a.sent_by',
    key: 'a.id',
    where: new Where(),
    orderBy: [
      ['a.created_at', 'DESC'],
      ['a.id', 'DESC'],
    ],
    page,
  });
}
