import type { PageMeta } from '../../db/paging.js';
import { EVENT_TYPES } from '../events/outbox.js';
import type { WebUser } from '../../web/types.js';
import {
  Badge,
  Button,
  Card,
  CheckboxGroup,
  DataTable,
  DateTimeCell,
  DefinitionList,
  Field,
  Filters,
  FilterSelect,
  Form,
  LinkButton,
  PageHeader,
  Pagination,
  Select,
} from '../../web/ui.js';
import { SettingsHeader } from '../settings/components.js';
import { usePage } from '../../web/page-context.js';
import type { AttemptRow, WebhookRow } from './queries.js';

export const LIST = '/settings/webhooks';
export const showUrl = (id: string) => `${LIST}/${id}/show`;
const EVENT_OPTIONS: [string, string][] = EVENT_TYPES.map((t) => [t, t]);
/** Empty header rows the form offers besides the webhook's own. */
const SPARE_HEADER_ROWS = 2;

const StatusOf = ({ status }: { status: string }) => <Badge tone={status === 'active' ? 'green' : 'red'}>{status}</Badge>;

const STATUS_OPTIONS: [string, string][] = [
  ['active', 'Active'],
  ['disabled', 'Disabled'],
];

/** An account's webhooks (admins: every account's, with the account filter): search, filters, sortable columns, pages. */
export function ListPage({ rows, meta, accounts }: { rows: WebhookRow[]; meta: PageMeta; accounts: [string, string][] | null }) {
  const admin = accounts !== null;
  // An admin's account filter carries over to the new webhook's account.
  const { url } = usePage();
  const account = admin ? url.searchParams.get('account_id') : null;
  return (
    <>
      <SettingsHeader
        title="Webhooks"
        subtitle="codops posts signed events to these URLs when leads, orders and invoices change."
        actions={<LinkButton href={`${LIST}/create${account ? `?account_id=${encodeURIComponent(account)}` : ''}`}>New webhook</LinkButton>}
      />
      <Filters search={admin ? 'URL or account' : 'URL'} searchLabel={admin ? 'Search by URL or account' : 'Search by URL'}>
        <FilterSelect name="status" label="Status" options={STATUS_OPTIONS} placeholder="Any status" />
        <FilterSelect name="event" label="Event" options={EVENT_OPTIONS} placeholder="Any event" />
        {accounts && <FilterSelect name="account_id" label="Account" options={accounts} placeholder="Any account" />}
      </Filters>
      <DataTable
        caption="Webhooks"
        empty="No webhook matches these filters."
        none="No webhook yet."
        rows={rows}
        columns={[
          { label: 'URL', sort: 'url', render: (r) => <a href={showUrl(r.id)}>{r.url}</a> },
          ...(admin ? [{ label: 'Account', render: (r: WebhookRow) => r.account_name }] : []),
          { label: 'Events', render: (r) => r.eventTypes.join(', ') },
          { label: 'Status', sort: 'status', render: (r) => <StatusOf status={r.status} /> },
          { label: 'Created', sort: 'created_at', render: (r) => <DateTimeCell iso={r.created_at} /> },
        ]}
      />
      <Pagination meta={meta} />
    </>
  );
}

function HeaderRows({ headers }: { headers: { key: string; value: string }[] }) {
  const rows = [...headers, ...Array.from({ length: SPARE_HEADER_ROWS }, () => ({ key: '', value: '' }))];
  return (
    <fieldset class="field fieldset">
      <legend>Custom headers (optional)</legend>
      {rows.map((h, i) => (
        <div class="form-grid">
          <Field name={`customHeaders[${i}][key]`} label={`Header ${i + 1} name`} value={h.key} />
          <Field name={`customHeaders[${i}][value]`} label={`Header ${i + 1} value`} value={h.value} />
        </div>
      ))}
    </fieldset>
  );
}

export function CreatePage({ user, accounts, account }: { user: WebUser; accounts: [string, string][]; account: string | null }) {
  return (
    <>
      <PageHeader title="New webhook" back={{ href: LIST, label: 'Webhooks' }} />
      <Card>
        <Form action={`${LIST}/store`} label="New webhook">
          {user.role === 'admin' && (
            <Select name="account_id" label="Account" options={accounts} placeholder="Choose an account" value={account} required />
          )}
          <Field name="url" label="URL" type="url" required placeholder="https://example.com/codops" />
          <Field
            name="secret"
            label="Secret"
            type="password"
            required
            secret
            autocomplete="new-password"
            hint="Signs every request (X-Codops-Signature). It is not shown again."
          />
          <CheckboxGroup name="eventTypes" legend="Events" options={EVENT_OPTIONS} required />
          <HeaderRows headers={[]} />
          <Button>Save webhook</Button>
        </Form>
      </Card>
    </>
  );
}

/** Beyond this many characters a response is clipped to its first lines; the row's summary opens the whole of it. */
const RESPONSE_CLIP = 120;

/** A receiver's answer (up to 500 characters kept): a long one shows its first lines, opened in place. */
function LogResponse({ text }: { text: string }) {
  if (text.length <= RESPONSE_CLIP) return <code class="log-response">{text}</code>;
  return (
    <details class="log-response">
      <summary>
        <code class="log-response">{text}</code>
      </summary>
    </details>
  );
}

function LogTable({ hook, rows }: { hook: WebhookRow; rows: AttemptRow[] }) {
  return (
    <DataTable
      caption="Delivery log"
      empty="Nothing sent yet."
      rows={rows}
      columns={[
        { label: 'When', render: (r) => <DateTimeCell iso={r.created_at} /> },
        { label: 'Event', render: (r) => r.event },
        { label: 'Record', render: (r) => (r.reference ? `${r.reference} · ${r.status ?? '—'}` : '—') },
        { label: 'Attempt', render: (r) => r.attempt },
        {
          label: 'HTTP status',
          render: (r) => (r.http_status === null ? '—' : <Badge tone={r.http_status < 300 ? 'green' : 'red'}>{r.http_status}</Badge>),
        },
        { label: 'Duration', render: (r) => `${r.duration_ms} ms` },
        { label: 'Response', render: (r) => <LogResponse text={r.response || r.error || ''} /> },
        { label: 'Next retry', render: (r) => (r.retry_scheduled && r.next_retry_at ? <DateTimeCell iso={r.next_retry_at} /> : '—') },
        {
          label: 'Send again',
          render: (r) => (
            <Form
              action={`${showUrl(hook.id).replace(/\/show$/, '')}/deliveries/${r.delivery_id}/resend`}
              class="inline-form"
              label="Send again"
            >
              <Button kind="secondary" small>
                Send again
              </Button>
            </Form>
          ),
        },
      ]}
    />
  );
}

export function ShowPage({
  hook,
  log,
  meta,
  pending,
  user,
}: {
  hook: WebhookRow;
  log: AttemptRow[];
  meta: PageMeta;
  pending: number;
  user: WebUser;
}) {
  const base = showUrl(hook.id).replace(/\/show$/, '');
  return (
    <>
      <PageHeader title="Webhook" subtitle={hook.url} back={{ href: LIST, label: 'Webhooks' }} />
      <Card title="Settings">
        <DefinitionList
          items={[
            ['URL', hook.url],
            ...(user.role === 'admin' ? ([['Account', hook.account_name]] as [string, string][]) : []),
            ['Events', hook.eventTypes.join(', ')],
            ['Status', <StatusOf status={hook.status} />],
            ['Failures in a row', String(hook.consecutive_failures)],
            // A disabled webhook sends nothing: its waiting deliveries are held until it is active again.
            hook.status === 'active' ? ['Waiting for a retry', String(pending)] : ['Held until the webhook is active', String(pending)],
            ['Created', <DateTimeCell iso={hook.created_at} />],
          ]}
        />
      </Card>
      <Card title="Delivery log">
        <LogTable hook={hook} rows={log} />
        <Pagination meta={meta} />
      </Card>
      <Card title="Change">
        <Form action={`${base}/update`} method="PATCH" label="Change the webhook">
          <Field name="url" label="URL" type="url" required value={hook.url} />
          <Field
            name="secret"
            label="New secret"
            type="password"
            secret
            autocomplete="new-password"
            hint="Leave empty to keep the current one."
          />
          <CheckboxGroup name="eventTypes" legend="Events" options={EVENT_OPTIONS} values={hook.eventTypes} required />
          <Select
            name="status"
            label="Status"
            options={[
              ['active', 'Active'],
              ['disabled', 'Disabled'],
            ]}
            value={hook.status}
          />
          <HeaderRows headers={hook.customHeaders} />
          <Button>Save changes</Button>
        </Form>
        <Form action={`${base}/delete`} method="DELETE" label="Delete the webhook" confirm="Delete this webhook and its delivery log?">
          <Button kind="danger">Delete webhook</Button>
        </Form>
      </Card>
    </>
  );
}
