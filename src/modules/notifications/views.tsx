import type { PageMeta } from '../../db/paging.js';
import { ROLES, ROLE_SLUGS, type Role } from '../../core/roles.js';
import { formatDateTime } from '../../web/format.js';
import { ROLE_LABELS, ROLE_PLURALS } from '../../web/labels.js';
import { usePage } from '../../web/page-context.js';
import {
  Button,
  Card,
  CheckboxGroup,
  DataTable,
  Field,
  FieldErrorList,
  Form,
  LinkButton,
  PageHeader,
  Pagination,
  Select,
  TextArea,
} from '../../web/ui.js';
import { DeleteButton, ListFooter, selectColumns } from '../catalog/deletion.js';
import { notificationPolicy } from './policy.js';
import type { AnnouncementItem, NotificationItem } from './queries.js';
import { ROLE_BY_SLUG } from './schemas.js';

export const LIST = '/notifications';
export const SENT = '/notifications/sent';

/** The /notifications page: newest first; those unread until this visit are marked new. */
export function NotificationsPage(p: { rows: NotificationItem[]; meta: PageMeta }) {
  const { user } = usePage();
  const admin = notificationPolicy.authorize(user!, 'create');
  return (
    <>
      <PageHeader
        title="Notifications"
        subtitle="Opening this page marks them read."
        actions={
          admin && (
            <>
              <LinkButton href={SENT} kind="secondary">
                Sent notifications
              </LinkButton>
              <LinkButton href="/notifications/create">New notification</LinkButton>
            </>
          )
        }
      />
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

const AUDIENCE_OPTIONS: [string, string][] = [
  ['all', 'Every active user'],
  ['role', 'The active users of one role'],
  ['users', 'The users chosen below'],
];
const ROLE_OPTIONS: [string, string][] = ROLES.map((r) => [ROLE_SLUGS[r], ROLE_PLURALS[r]]);

/** Whom a send went to, in words. */
function audienceOf(a: AnnouncementItem): string {
  if (a.audience === 'all') return 'Every active user';
  if (a.audience === 'role') return ROLE_PLURALS[ROLE_BY_SLUG.get(a.role ?? '') as Role] ?? a.role ?? '';
  return 'Chosen users';
}

/** The admin's send form: title, message, link, and the recipients. */
export function AnnouncementForm(p: { users: { id: string; full_name: string; role: Role; email: string }[] }) {
  const { errors } = usePage();
  // An unknown listed user (`user_ids.3`) is reported beside the picker.
  const listed = errors.where((k) => /^user_ids\.\d+$/.test(k));
  return (
    <Card>
      <Form action="/notifications/store" label="New notification">
        <Field name="title" label="Title" required />
        <TextArea name="message" label="Message" rows={4} />
        <Field name="link" label="Link" placeholder="/orders" hint="A dashboard path starting with /, opened from the notification." />
        <div class="form-grid">
          <Select name="audience" label="Send to" options={AUDIENCE_OPTIONS} value="all" required />
          <Select name="role" label="Role" options={ROLE_OPTIONS} placeholder="Choose a role" />
        </div>
        <CheckboxGroup
          name="user_ids"
          legend="Users (when sending to chosen users)"
          options={p.users.map((u) => [u.id, `${u.full_name} (${ROLE_LABELS[u.role]}, ${u.email})`])}
        />
        <FieldErrorList id="f-user_ids-items" messages={listed} />
        <div class="form-actions">
          <Button>Send notification</Button>
          <a href={SENT} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
    </Card>
  );
}

/** The admin's list of sent announcements: whom each went to, how many opened it; deleting takes every recipient's copy. */
export function AnnouncementsPage(p: { rows: AnnouncementItem[]; meta: PageMeta }) {
  const { user } = usePage();
  const admin = notificationPolicy.authorize(user!, 'delete');
  const form = 'notifications-bulk';
  return (
    <>
      <PageHeader
        title="Sent notifications"
        subtitle="Deleting one removes it from every recipient, read or not."
        back={{ href: LIST, label: 'Notifications' }}
        actions={notificationPolicy.authorize(user!, 'create') && <LinkButton href="/notifications/create">New notification</LinkButton>}
      />
      <DataTable
        caption="Sent notifications"
        rows={p.rows}
        empty="No notification sent yet."
        columns={[
          ...selectColumns(admin, form, (a: AnnouncementItem) => ({ id: a.id, name: a.title })),
          { label: 'Title', render: (a) => (a.link ? <a href={a.link}>{a.title}</a> : a.title) },
          { label: 'Sent to', render: audienceOf },
          { label: 'Recipients', render: (a) => a.recipients },
          { label: 'Read', render: (a) => a.read },
          { label: 'Sent by', render: (a) => a.sent_by?.full_name ?? '—' },
          { label: 'Sent', render: (a) => formatDateTime(a.created_at) },
          {
            label: 'Actions',
            render: (a) =>
              admin && (
                <div class="row-actions">
                  <DeleteButton
                    action="/notifications/delete"
                    id={a.id}
                    name={a.title}
                    small
                    confirm={`Delete the notification ${a.title} for its ${a.recipients} recipients?`}
                  />
                </div>
              ),
          },
        ]}
      />
      <ListFooter
        bulk={
          admin && { id: form, action: '/notifications/delete', confirm: 'Delete the selected notifications for all their recipients?' }
        }
        rows={p.rows.length}
        meta={p.meta}
      />
    </>
  );
}
