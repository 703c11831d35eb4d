import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PageMeta } from '../../db/paging.js';
import { ErrorBag, checkEachExists, distinctStrings, messages } from '../../http/validation.js';
import { formBody } from '../../web/form-body.js';
import { renderFormPage } from '../../web/form-page.js';
import { listQuery } from '../../web/list-query.js';
import { renderPage } from '../../web/page.js';
import { wantsJson } from '../../web/scope.js';
import { count } from '../catalog/deletion.js';
import { deleteRoute } from '../catalog/named-records.js';
import { sendJson } from '../listing/api-helpers.js';
import { notificationPolicy } from './policy.js';
import {
  announcementPage,
  existingUserIds,
  notificationPage,
  recipientOptions,
  type AnnouncementItem,
  type NotificationItem,
} from './queries.js';
import { announcementBody, ROLE_BY_SLUG, type AnnouncementInput, type Audience } from './schemas.js';
import { announce, deleteAnnouncements, markRead } from './service.js';
import { AnnouncementForm, AnnouncementsPage, LIST, NotificationsPage, SENT } from './views.js';

const list = listQuery({ sorts: ['created_at'], defaultSort: 'created_at' });

/**
 * A send's body: its shape, then the rules across fields (`required_if` on `role` and `user_ids`,
 * `starts_with:/` on `link`) and the listed users' existence, all in one 422.
 */
async function readAnnouncement(web: FastifyInstance, req: FastifyRequest): Promise<AnnouncementInput> {
  const bag = new ErrorBag();
  const input = announcementBody.check(formBody(req), bag);
  const link = input.link;
  if (typeof link === 'string' && !bag.has('link')) {
    if (!link.startsWith('/')) bag.add('link', messages.startsWith('link', '/'));
    // Laravel's not_regex: `//host` or `/\host` is a protocol-relative URL, leaving the site from the bell;
    // browsers drop tabs and line breaks from a URL, so `/<tab>/host` is one too: none is taken.
    else if (/^\/[/\\]|[\t\n\r]/.test(link)) bag.add('link', messages.format('link'));
  }
  if (input.audience === 'role' && input.role === undefined && !bag.has('role'))
    bag.add('role', messages.requiredIf('role', 'audience', 'role'));
  const ids = input.user_ids;
  if (input.audience === 'users' && (ids === undefined || ids.length === 0) && !bag.has('user_ids'))
    bag.add('user_ids', messages.requiredIf('user_ids', 'audience', 'users'));
  if (Array.isArray(ids) && !bag.has('user_ids')) {
    const known = await existingUserIds(web.db, distinctStrings(ids));
    checkEachExists(bag, 'user_ids', ids, (id) => known.has(id));
  }
  bag.throwIfAny(announcementBody.schema);
  const audience = input.audience as Audience;
  return {
    title: input.title,
    message: input.message ?? '',
    link: link ?? null,
    audience,
    role: audience === 'role' ? ROLE_BY_SLUG.get(input.role!)! : null,
    userIds: audience === 'users' ? [...new Set(ids)] : [],
  };
}

/**
 * `/notifications` (fulfilment.md): the signed-in user's notifications, newest first, as a page or
 * JSON. Opening it marks the ones shown read; they are shown (and answered) as they were before.
 * Admins also send announcements (`/notifications/create`, `/store`), list them (`/notifications/sent`)
 * and delete them, every recipient's row with them (`/notifications/delete`, `ids[]` of announcements).
 */
export async function notificationsPages(web: FastifyInstance) {
  const { db } = web;
  web.get(LIST, { config: { can: notificationPolicy.can('view') } }, async (req, reply) => {
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

  web.get(SENT, { config: { can: notificationPolicy.can('delete') } }, async (req, reply) => {
    const p = list(req);
    const text = await announcementPage(db, { page: p.page, per_page: p.per_page });
    if (wantsJson(req)) return sendJson(reply, text);
    const page = JSON.parse(text) as { data: AnnouncementItem[]; meta: PageMeta };
    return renderPage(req, reply, { title: 'Sent notifications', body: <AnnouncementsPage rows={page.data} meta={page.meta} /> });
  });

  web.get('/notifications/create', { config: { can: notificationPolicy.can('create') } }, async (req, reply) =>
    renderFormPage(req, reply, {
      title: 'New notification',
      subtitle: 'It appears under the bell of every recipient.',
      back: { href: SENT, label: 'Sent notifications' },
      form: <AnnouncementForm users={await recipientOptions(db)} />,
    }),
  );

  web.post('/notifications/store', { config: { can: notificationPolicy.can('create') } }, async (req, reply) => {
    const input = await readAnnouncement(web, req);
    const sent = await db.tx((q) => announce(q, req.user!, input));
    const message = `Notification sent to ${count(sent.count, 'user')}.`;
    if (wantsJson(req)) return reply.code(201).send({ message, data: sent });
    req.session.flash = { success: message };
    return reply.redirect(LIST, 302);
  });

  deleteRoute(web, {
    url: '/notifications/delete',
    list: SENT,
    can: notificationPolicy.can('delete'),
    noun: ['notification'],
    audit: { action: 'notifications.delete', type: 'announcement' },
    remove: deleteAnnouncements,
  });
}
