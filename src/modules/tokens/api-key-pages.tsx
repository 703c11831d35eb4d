import type { FastifyInstance } from 'fastify';
import { API_PREFIX } from '../../http/api-scope.js';
import { notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { audit } from '../../web/audit.js';
import { queryRecord, queryText } from '../../web/query.js';
import { renderPage } from '../../web/page.js';
import { backUrl, done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import type { WebUser, IdRoute } from '../../web/types.js';
import { accountOptions } from '../accounts/queries.js';
import { accountExists } from '../accounts/service.js';
import { SCOPES, type Scope } from '../../core/scopes.js';
import { createToken, revokeToken, tokenExpiry } from './tokens.js';
import {
  API_KEY_STATUSES,
  SORTS,
  apiKeyJson,
  findApiKey,
  listApiKeys,
  type ApiKeyFilter,
  type ApiKeySort,
  type ApiKeyStatus,
} from './api-key-queries.js';
import { isoSeconds } from '../settings/components.js';
import { apiKeyPolicy } from './policy.js';
import { formInput } from './form-input.js';
import { seal, unseal } from '../../lib/seal.js';
import { AdminKeyBody, SellerKeyBody } from './schemas.js';
import { CreatePage, ListPage } from './api-key-views.js';

declare module 'fastify' {
  interface Session {
    /** A key just generated, its plaintext sealed, for the one next render of the list. */
    newApiKey?: { id: number; name: string; sealed: string };
  }
}

const API_KEY_CREATED = 'API key generated.';
const API_KEY_REVOKED = 'API key revoked.';
const AFTER_NOW = 'The expires at field must be a date after now.';

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
    // As listQuery and the table's sort links read it: a sort named without a direction is ascending.
    direction: query.direction === 'asc' || query.direction === 'desc' ? query.direction : sort ? 'asc' : 'desc',
    page: int(query.page, 1, 1_000_000),
    perPage: int(query.per_page, 25, 100),
  };
}

export async function apiKeyPages(web: FastifyInstance) {
  const route = formRoutes(web);
  const { db, config } = web;
  const can = { can: apiKeyPolicy.can('manage') };
  /** Sellers work inside their account; admins across all. */
  const scopeOf = (u: WebUser) => (u.role === 'admin' ? null : u.account_id);

  web.get('/settings/api-keys', { config: can }, async (req, reply) => {
    const user = req.user!;
    const filter = listFilter(user, queryRecord(req));
    const { rows, meta } = await listApiKeys(db, filter);
    if (wantsJson(req)) return reply.send({ data: rows.map(apiKeyJson), meta });
    const pending = req.session.newApiKey;
    let fresh: { name: string; token: string; apiUrl: string } | undefined;
    if (pending) {
      req.session.newApiKey = undefined; // shown once, here, and never again
      const token = unseal(config.appKey, pending.sealed);
      if (token) fresh = { name: pending.name, token, apiUrl: `${config.appUrl}${API_PREFIX}` };
    }
    const accounts = user.role === 'admin' ? await accountOptions(db, filter.accountId) : [];
    return renderPage(req, reply, {
      title: 'API keys',
      body: <ListPage user={user} filter={filter} rows={rows} meta={meta} accounts={accounts} fresh={fresh} />,
    });
  });

  web.get('/settings/api-keys/create', { config: can }, async (req, reply) => {
    const user = req.user!;
    const old = req.session.old?.account_id;
    const account = typeof old === 'string' ? old : str(queryText(req, 'account_id'));
    const accounts = user.role === 'admin' ? await accountOptions(db, account) : [];
    return renderPage(req, reply, {
      title: 'Generate an API key',
      body: <CreatePage user={user} accounts={accounts} account={account} />,
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
      // Its format was checked; a wall clock of TIMEZONE may still fall past year 9999 in UTC.
      expiresAt = tokenExpiry(input.expires_at, web.config.timezone) ?? null;
      if (!expiresAt) bag.add('expires_at', messages.date('expires_at'));
      else if (expiresAt.getTime() <= Date.now()) bag.add('expires_at', AFTER_NOW);
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
