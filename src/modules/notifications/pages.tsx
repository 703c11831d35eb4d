import type { FastifyInstance } from 'fastify';
import type { PageMeta } from '../../db/paging.js';
import { listQuery } from '../../web/list-query.js';
import { renderPage } from '../../web/page.js';
import { wantsJson } from '../../web/scope.js';
import { sendJson } from '../listing/api-helpers.js';
import { notificationPolicy } from './policy.js';
import { notificationPage, type NotificationItem } from './queries.js';
import { markRead } from './service.js';
import { NotificationsPage } from './views.js';

const list = listQuery({ sorts: ['created_at'], defaultSort: 'created_at' });

/**
 * `/notifications` (fulfilment.md): the signed-in user's notifications, newest first, as a page or
 * JSON. Opening it marks the ones shown read; they are shown (and answered) as they were before.
 */
export async function notificationsPages(web: FastifyInstance) {
  const { db } = web;
  web.get('/notifications', { config: { can: notificationPolicy.can('view') } }, async (req, reply) => {
    const user = req.user!;
    const p = list(req);
    const text = await notificationPage(db, user.id, { page: p.page, per_page: p.per_page });
    const page = JSON.parse(text) as { data: NotificationItem[]; meta: PageMeta };
    const read = await markRead(
      db,
      user.id,
      page.data.filter((n) => !n.read_at).map((n) => n.id),
    );
    if (wantsJson(req)) return sendJson(reply, text);
    // The bell of this very page already counts what it shows as read.
    const shown: typeof user = { ...user, unread_notifications: Math.max(0, (user.unread_notifications ?? 0) - read) };
    req.user = shown;
    return renderPage(req, reply, { title: 'Notifications', body: <NotificationsPage rows={page.data} meta={page.meta} /> });
  });
}
