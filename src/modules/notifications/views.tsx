import type { PageMeta } from '../../db/paging.js';
import { formatDateTime } from '../../web/format.js';
import { Card, PageHeader, Pagination } from '../../web/ui.js';
import type { NotificationItem } from './queries.js';

/** The /notifications page: newest first; those unread until this visit are marked new. */
export function NotificationsPage(p: { rows: NotificationItem[]; meta: PageMeta }) {
  return (
    <>
      <PageHeader title="Notifications" subtitle="Opening this page marks them read." />
      <Card>
        {p.rows.length === 0 ? (
          <p class="muted">No notifications yet.</p>
        ) : (
          <ul class="notification-list" aria-label="Notifications">
            {p.rows.map((n) => (
              <li class={n.read_at ? undefined : 'unread'} data-kind={n.kind}>
                <strong>{n.link ? <a href={n.link}>{n.title}</a> : n.title}</strong>
                {n.message && <div>{n.message}</div>}
                <span class="muted small">{formatDateTime(n.created_at)}</span>
              </li>
            ))}
          </ul>
        )}
        <Pagination meta={p.meta} />
      </Card>
    </>
  );
}
