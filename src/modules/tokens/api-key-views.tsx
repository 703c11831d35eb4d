import type { WebUser } from '../../web/types.js';
import { dayIn, startOfDayAfter, todayIn } from '../../lib/time-zone.js';
import { displayZone } from '../../web/format.js';
import {
  Badge,
  Button,
  Card,
  CheckboxGroup,
  DataTable,
  Field,
  Filters,
  Form,
  LinkButton,
  PageHeader,
  Pagination,
  Select,
  type Column,
} from '../../web/ui.js';
import { SCOPES, type Scope } from '../../core/scopes.js';
import { API_KEY_STATUSES, statusOf, type ApiKeyFilter, type ApiKeyRow, type ApiKeyStatus } from './api-key-queries.js';
import { SettingsHeader, When } from '../settings/components.js';

/**
 * Whether a key expires as a day of the platform's zone ends (as the form's date sets it): shown
 * as that day. One given a time (JSON, the CLI) shows it: a `title` tooltip reaches neither a
 * keyboard, a phone nor most screen readers.
 */
const endsADay = (at: Date | string) => startOfDayAfter(dayIn(at, displayZone()), displayZone()).getTime() - 1 === new Date(at).getTime();

/** `CREATE LEADS` → `Create leads`. */
const scopeLabel = (s: Scope) => s.charAt(0) + s.slice(1).toLowerCase();
const SCOPE_TONES: Record<string, 'green' | 'blue' | 'amber' | 'red'> = { CREATE: 'green', VIEW: 'blue', UPDATE: 'amber', DELETE: 'red' };

function ScopeBadges({ scopes }: { scopes: Scope[] }) {
  return (
    <span class="badge-list">
      {scopes.map((s) => (
        <Badge tone={SCOPE_TONES[s.split(' ')[0]]}>{scopeLabel(s)}</Badge>
      ))}
    </span>
  );
}

const STATUS_TONES: Record<ApiKeyStatus, 'green' | 'gray' | 'red' | 'amber'> = {
  active: 'green',
  inactive: 'amber',
  expired: 'gray',
  revoked: 'red',
};
const STATUS_LABELS: Record<ApiKeyStatus, string> = { active: 'Active', inactive: 'User inactive', expired: 'Expired', revoked: 'Revoked' };

/** The key once, with where to send it: the API's address (APP_URL) and its reference (/docs). */
function NewKeyBox({ name, token, apiUrl }: { name: string; token: string; apiUrl: string }) {
  return (
    <Card title={`Your new API key “${name}”`} class="card-highlight">
      <p>
        Copy it now and keep it somewhere safe: <strong>it will not be shown again.</strong> Send it as{' '}
        <code>Authorization: Bearer &lt;key&gt;</code> to the API at <code>{apiUrl}/</code>, e.g. <code>POST {apiUrl}/leads</code>; every
        endpoint is in the <a href="/docs">API reference</a>.
      </p>
      <div class="token-box">
        <code id="new-api-key">{token}</code>
        <button type="button" class="btn btn-secondary btn-small" data-copy="new-api-key">
          Copy
        </button>
        {/* Filled by public/app.js: a live region already there when its text changes is announced. */}
        <span class="sr-only" aria-live="polite" data-copy-status="new-api-key"></span>
      </div>
    </Card>
  );
}

export function ListPage(p: {
  user: WebUser;
  filter: ApiKeyFilter;
  rows: ApiKeyRow[];
  meta: { current_page: number; per_page: number; total: number; last_page: number };
  accounts: [string, string][];
  fresh?: { name: string; token: string; apiUrl: string };
}) {
  const admin = p.user.role === 'admin';
  const columns: Column<ApiKeyRow>[] = [
    {
      label: 'Name',
      sort: 'name',
      class: 'key-name',
      render: (k) => (
        <div>
          <strong>{k.name}</strong>
          <div class="muted small">by {k.user_name}</div>
        </div>
      ),
    },
    ...(admin
      ? [
          {
            label: 'Account',
            render: (k: ApiKeyRow) => <a href={`/settings/api-keys?account_id=${encodeURIComponent(k.account_id)}`}>{k.account_name}</a>,
          },
        ]
      : []),
    { label: 'Scopes', render: (k) => <ScopeBadges scopes={k.scopes} /> },
    { label: 'Last used', sort: 'last_used_at', render: (k) => <When at={k.last_used_at} empty="Never" /> },
    {
      label: 'Expires at',
      sort: 'expires_at',
      render: (k) => <When at={k.expires_at} empty="Never" date={!k.expires_at || endsADay(k.expires_at)} />,
    },
    { label: 'Created', sort: 'created_at', render: (k) => <When at={k.created_at} date /> },
    {
      label: 'Status',
      render: (k) => {
        const s = statusOf(k);
        return (
          <>
            <Badge tone={STATUS_TONES[s]}>{STATUS_LABELS[s]}</Badge>
            {k.revoked_at && (
              <div class="muted small">
                <When at={k.revoked_at} date />
              </div>
            )}
          </>
        );
      },
    },
    {
      label: 'Actions',
      render: (k) =>
        k.revoked_at ? (
          <span class="muted">—</span>
        ) : (
          <Form
            action={`/settings/api-keys/${k.id}`}
            method="DELETE"
            class="inline-form"
            label={`Revoke ${k.name}`}
            confirm={`Revoke the API key “${k.name}”? Integrations using it stop working at once.`}
          >
            <Button kind="danger" small>
              Revoke
            </Button>
          </Form>
        ),
    },
  ];
  return (
    <>
      <SettingsHeader
        title="API keys"
        subtitle={
          admin
            ? 'Every account’s keys. A key sends leads and orders to codops for one account.'
            : 'Keys let your shop, or any program calling the REST API, send leads and orders to codops.'
        }
        actions={
          <LinkButton
            href={`/settings/api-keys/create${admin && p.filter.accountId ? `?account_id=${encodeURIComponent(p.filter.accountId)}` : ''}`}
          >
            Generate a key
          </LinkButton>
        }
      />
      {p.fresh && <NewKeyBox name={p.fresh.name} token={p.fresh.token} apiUrl={p.fresh.apiUrl} />}
      <Filters search="Key name" searchLabel="Search by name">
        {admin && <Select name="account_id" label="Account" options={p.accounts} placeholder="All accounts" value={p.filter.accountId} />}
        <Select
          name="status"
          label="Status"
          options={API_KEY_STATUSES.map((s) => [s, STATUS_LABELS[s]])}
          placeholder="Any status"
          value={p.filter.status}
        />
      </Filters>
      <DataTable caption="API keys" columns={columns} rows={p.rows} empty="No API keys yet. Generate one to connect a shop." />
      <Pagination meta={p.meta} />
    </>
  );
}

export function CreatePage(p: { user: WebUser; accounts: [string, string][]; account: string | null }) {
  const admin = p.user.role === 'admin';
  return (
    <>
      <PageHeader title="Generate an API key" back={{ href: '/settings/api-keys', label: 'API keys' }} />
      <Card title="New API key">
        <Form action="/settings/api-keys/store" label="Generate an API key">
          {admin && (
            <Select name="account_id" label="Account" options={p.accounts} placeholder="Choose the account" value={p.account} required />
          )}
          <Field name="name" label="Name" required hint="What uses the key, e.g. “Shopify store” or “Landing page”." />
          <CheckboxGroup name="scopes" legend="Scopes" options={SCOPES.map((s) => [s, scopeLabel(s)])} required />
          <Field
            name="expires_at"
            label="Expires at"
            type="date"
            min={todayIn(displayZone())}
            hint={`Optional. The key works until the end of this day (${displayZone()} time); leave empty for a key that does not expire.`}
          />
          <div class="form-actions">
            <Button>Generate the key</Button>
            <a href="/settings/api-keys" class="btn btn-link">
              Cancel
            </a>
          </div>
        </Form>
      </Card>
    </>
  );
}
