import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { compile, ErrorBag, messages } from '../../http/validation.js';
import { audit } from '../../web/audit.js';
import { queryRecord, queryText } from '../../web/query.js';
import { renderPage } from '../../web/page.js';
import { backUrl, done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import type { WebUser, IdRoute } from '../../web/types.js';
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
import { accountExists } from '../accounts/service.js';
import { dateBound } from '../../db/where.js';
import { SCOPES, type Scope } from '../../core/scopes.js';
import { createToken, revokeToken } from '../tokens/tokens.js';
import {
  API_KEY_STATUSES,
  SORTS,
  accountChoices,
  apiKeyJson,
  findApiKey,
  listApiKeys,
  statusOf,
  type ApiKeyFilter,
  type ApiKeyRow,
  type ApiKeySort,
  type ApiKeyStatus,
} from './api-keys-queries.js';
import { OtherErrors, SettingsHeader, When, isoSeconds, mayManageApiKeys } from './components.js';
import { formInput } from './form-input.js';
import { seal, unseal } from './seal.js';

declare module 'fastify' {
  interface Session {
    /** A key just generated, its plaintext sealed, for the one next render of the list. */
    newApiKey?: { id: number; name: string; sealed: string };
  }
}

const API_KEY_CREATED = 'API key generated.';
const API_KEY_REVOKED = 'API key revoked.';
const AFTER_NOW = 'The expires at field must be a date after now.';

const fields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  scopes: Type.Array(Type.String({ enum: [...SCOPES] }), { minItems: 1, maxItems: 50 }),
  expires_at: Type.Optional(Type.String({ format: 'laravel-date', maxLength: 40 })),
};
const SellerKeyBody = compile(Type.Object(fields));
const AdminKeyBody = compile(Type.Object({ account_id: Type.String({ maxLength: 100 }), ...fields }));

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

const STATUS_TONES: Record<ApiKeyStatus, 'green' | 'gray' | 'red'> = { active: 'green', expired: 'gray', revoked: 'red' };
const STATUS_LABELS: Record<ApiKeyStatus, string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked' };

function NewKeyBox({ name, token }: { name: string; token: string }) {
  return (
    <Card title={`Your new API key “${name}”`} class="card-highlight">
      <p>
        Copy it now and keep it somewhere safe: <strong>it will not be shown again.</strong> Send it as{' '}
        <code>Authorization: Bearer &lt;key&gt;</code>.
      </p>
      <div class="token-box">
        <code id="new-api-key">{token}</code>
        <button type="button" class="btn btn-secondary btn-small" data-copy="new-api-key">
          Copy
        </button>
      </div>
    </Card>
  );
}

function ListPage(p: {
  user: WebUser;
  filter: ApiKeyFilter;
  rows: ApiKeyRow[];
  meta: { current_page: number; per_page: number; total: number; last_page: number };
  accounts: [string, string][];
  fresh?: { name: string; token: string };
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
    { label: 'Expires at', sort: 'expires_at', render: (k) => <When at={k.expires_at} empty="Never" date /> },
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
            : 'Keys let your shop, Shopify, WooCommerce or Google Sheets send leads and orders to codops.'
        }
        actions={
          <LinkButton
            href={`/settings/api-keys/create${admin && p.filter.accountId ? `?account_id=${encodeURIComponent(p.filter.accountId)}` : ''}`}
          >
            Generate a key
          </LinkButton>
        }
      />
      {p.fresh && <NewKeyBox name={p.fresh.name} token={p.fresh.token} />}
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

function CreatePage(p: { user: WebUser; accounts: [string, string][]; account: string | null; today: string }) {
  const admin = p.user.role === 'admin';
  return (
    <>
      <PageHeader title="Generate an API key" back={{ href: '/settings/api-keys', label: 'API keys' }} />
      <Card title="New API key">
        <OtherErrors shown={['account_id', 'name', 'scopes', 'expires_at']} />
        <Form action="/settings/api-keys/store" label="Generate an API key">
          {admin && (
            <Select name="account_id" label="Account" options={p.accounts} placeholder="Choose the account" value={p.account} required />
          )}
          <Field name="name" label="Name" required hint="What uses the key, e.g. “Shopify store” or “Landing page”." />
          <CheckboxGroup name="scopes" legend="Scopes" options={SCOPES.map((s) => [s, scopeLabel(s)])} />
          <Field
            name="expires_at"
            label="Expires at"
            type="date"
            min={p.today}
            hint="Optional. The key works until the end of this day (UTC); leave empty for a key that does not expire."
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

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const int = (v: unknown, fallback: number, max: number) => {
  const n = typeof v === 'string' && /^\d{1,7}$/.test(v) ? Number(v) : NaN;
  return n >= 1 ? Math.min(n, max) : fallback;
};

function listFilter(user: WebUser, query: Record<string, unknown>): ApiKeyFilter {
  const sort = str(query.sort);
  const status = str(query.status);
  return {
    accountId: user.role === 'admin' ? str(query.account_id) : user.account_id,
    search: str(query.search)?.slice(0, 100) ?? null,
    status: API_KEY_STATUSES.includes(status as ApiKeyStatus) ? (status as ApiKeyStatus) : null,
    sort: sort && sort in SORTS ? (sort as ApiKeySort) : 'created_at',
    direction: query.direction === 'asc' ? 'asc' : 'desc',
    page: int(query.page, 1, 1_000_000),
    perPage: int(query.per_page, 25, 100),
  };
}

export async function apiKeyPages(web: FastifyInstance) {
  const route = formRoutes(web);
  const { db, config } = web;
  const can = { can: mayManageApiKeys };
  /** Sellers work inside their account; admins across all. */
  const scopeOf = (u: WebUser) => (u.role === 'admin' ? null : u.account_id);

  web.get('/settings/api-keys', { config: can }, async (req, reply) => {
    const user = req.user!;
    const filter = listFilter(user, queryRecord(req));
    const { rows, meta } = await listApiKeys(db, filter);
    if (wantsJson(req)) return reply.send({ data: rows.map(apiKeyJson), meta });
    const pending = req.session.newApiKey;
    let fresh: { name: string; token: string } | undefined;
    if (pending) {
      req.session.newApiKey = undefined; // shown once, here, and never again
      const token = unseal(config.appKey, pending.sealed);
      if (token) fresh = { name: pending.name, token };
    }
    const accounts = user.role === 'admin' ? await accountChoices(db, filter.accountId) : [];
    return renderPage(req, reply, {
      title: 'API keys',
      body: <ListPage user={user} filter={filter} rows={rows} meta={meta} accounts={accounts} fresh={fresh} />,
    });
  });

  web.get('/settings/api-keys/create', { config: can }, async (req, reply) => {
    const user = req.user!;
    const old = req.session.old?.account_id;
    const account = typeof old === 'string' ? old : str(queryText(req, 'account_id'));
    const accounts = user.role === 'admin' ? await accountChoices(db, account) : [];
    return renderPage(req, reply, {
      title: 'Generate an API key',
      body: <CreatePage user={user} accounts={accounts} account={account} today={new Date().toISOString().slice(0, 10)} />,
    });
  });

  web.post('/settings/api-keys/store', { config: { ...can, back: '/settings/api-keys/create' } }, async (req, reply) => {
    const user = req.user!;
    const body = formInput(req.body);
    req.body = body; // old input in the JSON shape, so the checkboxes refill
    if (Array.isArray(body.scopes) && body.scopes.length === 0) delete body.scopes; // Laravel: an empty array is "required"
    const admin = user.role === 'admin';
    const validator = admin ? AdminKeyBody : SellerKeyBody;
    const bag = new ErrorBag();
    const input = validator.check(body, bag) as { account_id?: string; name: string; scopes: Scope[]; expires_at?: string };
    let expiresAt: Date | null = null;
    if (input.expires_at && !bag.has('expires_at')) {
      // A bare date means the whole of that day (UTC), as list filters read it.
      expiresAt = new Date(dateBound(input.expires_at, true));
      if (expiresAt.getTime() <= Date.now()) bag.add('expires_at', AFTER_NOW);
    }
    if (admin && input.account_id && !bag.has('account_id') && !(await accountExists(db, input.account_id))) {
      bag.add('account_id', messages.invalid('account_id'));
    }
    bag.throwIfAny(validator.schema);

    const accountId = admin ? input.account_id! : user.account_id!;
    const scopes = SCOPES.filter((s) => input.scopes.includes(s));
    const created = await db.tx(async (q) => {
      const t = await createToken(q, { userId: user.id, accountId, name: input.name, scopes, expiresAt });
      await audit(
        q,
        user,
        'tokens.create',
        { type: 'api_token', id: String(t.id), accountId },
        { name: input.name, scopes, expires_at: isoSeconds(expiresAt) },
      );
      return t;
    });
    if (!wantsJson(req)) req.session.newApiKey = { id: created.id, name: input.name, sealed: seal(config.appKey, created.token) };
    return done(req, reply, {
      message: API_KEY_CREATED,
      redirect: '/settings/api-keys',
      status: 201,
      data: { id: created.id, name: input.name, scopes, expires_at: isoSeconds(expiresAt), token: created.token },
    });
  });

  route<IdRoute>('DELETE', '/settings/api-keys/:id', { config: can }, async (req, reply) => {
    const user = req.user!;
    const { id } = req.params;
    if (!/^\d{1,15}$/.test(id)) throw notFound();
    const key = await findApiKey(db, Number(id), scopeOf(user));
    if (!key) throw notFound();
    if (!key.revoked_at) {
      await db.tx(async (q) => {
        await revokeToken(q, key.id, key.account_id);
        await audit(q, user, 'tokens.revoke', { type: 'api_token', id: String(key.id), accountId: key.account_id }, { name: key.name });
      });
      // This process answers 401 at once; the others hear the auth-change NOTIFY.
      web.bearer.forgetAll();
    }
    return done(req, reply, { message: API_KEY_REVOKED, redirect: backUrl(req, '/settings/api-keys') });
  });
}
