import type { Queryable } from '../../db/database.js';
import { jsonPage, type PageRequest } from '../../db/paging.js';
import { Where } from '../../db/where.js';

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
