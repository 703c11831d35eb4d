import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { BlockedAddressError, isPrivateName, publicAddresses } from '../../lib/public-address.js';
import { formBody } from '../../web/form-body.js';
import { listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { queryText } from '../../web/query.js';
import { renderPage } from '../../web/page.js';
import { backUrl, done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute, WebUser } from '../../web/types.js';
import { accountExists } from '../accounts/service.js';
import { accountOptions } from '../accounts/queries.js';
import { resendDelivery } from './delivery.js';
import { webhookPolicy } from './policy.js';
import {
  attemptJson,
  findWebhook,
  listWebhooks,
  pendingCount,
  WEBHOOK_SORTS,
  webhookJson,
  webhookLog,
  type WebhookFilters,
  type WebhookRow,
} from './queries.js';
import {
  AdminWebhookBody,
  checkCustomHeaders,
  checkEventTypes,
  isWebhookUrl,
  SellerWebhookBody,
  URL_INVALID,
  URL_PRIVATE,
  WEBHOOK_STATUSES,
  WebhookUpdateBody,
  type WebhookInput,
} from './schemas.js';
import { createWebhook, deleteWebhook, updateWebhook } from './service.js';
import { forgetListeners } from '../events/listening.js';
import { EVENT_TYPES } from '../events/outbox.js';
import { CreatePage, LIST, ListPage, ShowPage, showUrl } from './views.js';

const LOOKUP_MS = 5_000;

const webhookList = listQuery({
  sorts: WEBHOOK_SORTS,
  defaultSort: 'created_at',
  statuses: WEBHOOK_STATUSES,
  filters: { event: Type.String({ enum: [...EVENT_TYPES] }), account_id: Type.String({ maxLength: 100 }) },
});
/** A webhook's delivery log pages as the other lists do (`page`, `per_page`), newest first. */
const logList = listQuery({ sorts: ['created_at'], defaultSort: 'created_at' });

/**
 * A URL's host may not be (or resolve to) a loopback, private, link-local or metadata address, nor
 * be a name only private networks use (`metadata.google.internal`: isPrivateName); another name that
 * does not resolve now is accepted (the delivery checks the address it connects to).
 */
async function urlRefusal(url: string, allowPrivate: boolean): Promise<string | undefined> {
  if (!isWebhookUrl(url)) return URL_INVALID;
  if (allowPrivate) return undefined;
  const host = new URL(url).hostname;
  if (isPrivateName(host)) return URL_PRIVATE;
  const resolving = publicAddresses(host);
  const timeout = delay(LOOKUP_MS, undefined, { ref: false });
  try {
    await Promise.race([resolving, timeout]);
    return undefined;
  } catch (err) {
    return err instanceof BlockedAddressError ? URL_PRIVATE : undefined;
  } finally {
    resolving.catch(() => undefined);
  }
}

/** The body in the JSON shape (form or JSON), without the secret in what a failed form refills. */
function readBody(req: FastifyRequest): Record<string, unknown> {
  const body = formBody(req);
  const refill = { ...body };
  delete refill.secret;
  req.body = refill;
  return body;
}

export async function webhookPages(web: FastifyInstance) {
  const { db, config } = web;
  const route = formRoutes(web);
  const can = { can: webhookPolicy.can('manage') };
  addNav({ label: 'Webhooks', href: LIST, icon: 'layers', visible: webhookPolicy.can('manage'), section: 'Settings' });
  /** Sellers work inside their account; admins across all. */
  const scopeOf = (u: WebUser) => (u.role === 'admin' ? null : u.account_id);
  const load = async (req: FastifyRequest<IdRoute>) => {
    const hook = await findWebhook(db, req.params.id, scopeOf(req.user!));
    if (!hook) throw notFound();
    return hook;
  };

  web.get(LIST, { config: can }, async (req, reply) => {
    const user = req.user!;
    const page = await listWebhooks(db, scopeOf(user), webhookList(req) as WebhookFilters);
    if (wantsJson(req)) return reply.send({ data: page.rows.map(webhookJson), meta: page.meta });
    const accounts = user.role === 'admin' ? await accountOptions(db, queryText(req, 'account_id') || null) : null;
    return renderPage(req, reply, { title: 'Webhooks', body: <ListPage rows={page.rows} meta={page.meta} accounts={accounts} /> });
  });

  web.get(`${LIST}/create`, { config: can }, async (req, reply) => {
    const user = req.user!;
    // `?account_id=` chooses the account, as on the other admin create pages (a failed save's choice wins).
    const account = queryText(req, 'account_id') || null;
    const accounts = user.role === 'admin' ? await accountOptions(db, account) : [];
    return renderPage(req, reply, { title: 'New webhook', body: <CreatePage user={user} accounts={accounts} account={account} /> });
  });

  web.post(`${LIST}/store`, { config: { ...can, back: `${LIST}/create` } }, async (req, reply) => {
    const user = req.user!;
    const admin = user.role === 'admin';
    const body = readBody(req);
    const v = admin ? AdminWebhookBody : SellerWebhookBody;
    const bag = new ErrorBag();
    const input = v.check(body, bag) as WebhookInput & { url: string; secret: string; eventTypes: string[] };
    if (typeof input.url === 'string' && !bag.has('url')) {
      const refused = await urlRefusal(input.url, config.webhooksAllowPrivate);
      if (refused) bag.add('url', refused);
    }
    checkEventTypes(input.eventTypes, bag);
    checkCustomHeaders(input.customHeaders, bag);
    if (admin && input.account_id && !bag.has('account_id') && !(await accountExists(db, input.account_id)))
      bag.add('account_id', messages.invalid('account_id'));
    bag.throwIfAny(v.schema);
    const accountId = admin ? input.account_id! : user.account_id!;
    const hook = await db.tx(async (q) => (await findWebhook(q, await createWebhook(q, user, config.appKey, accountId, input), null))!);
    forgetListeners(db, accountId);
    return done(req, reply, { message: 'Webhook saved.', redirect: showUrl(hook.id), data: webhookJson(hook), status: 201 });
  });

  web.get<IdRoute>(`${LIST}/:id/show`, { config: can }, async (req, reply) => {
    const hook = await load(req);
    const log = await webhookLog(db, hook.id, logList(req));
    if (wantsJson(req)) return reply.send({ data: { ...webhookJson(hook), deliveries: log.rows.map(attemptJson) }, meta: log.meta });
    const pending = await pendingCount(db, hook.id);
    return renderPage(req, reply, {
      title: 'Webhook',
      body: <ShowPage hook={hook} log={log.rows} meta={log.meta} pending={pending} user={req.user!} />,
    });
  });

  web.post<{ Params: { id: string; delivery: string } }>(`${LIST}/:id/deliveries/:delivery/resend`, { config: can }, async (req, reply) => {
    const hook = await findWebhook(db, req.params.id, scopeOf(req.user!));
    if (!hook || !/^[0-9a-f-]{36}$/i.test(req.params.delivery)) throw notFound();
    const sent = await resendDelivery(
      db,
      { appKey: config.appKey, allowPrivate: config.webhooksAllowPrivate },
      hook.id,
      req.params.delivery,
    );
    if (!sent) throw notFound();
    const data = {
      delivery_id: req.params.delivery,
      attempt: sent.attempt,
      http_status: sent.status,
      duration_ms: sent.durationMs,
      response: sent.response,
      error: sent.error,
    };
    const message = sent.ok ? `Sent again: HTTP ${sent.status}.` : `Sent again, and it failed: ${sent.error}`;
    // Back to the log's page the resend was sent from (this webhook's own page only), else its first.
    const redirect = backUrl(req, showUrl(hook.id), [showUrl(hook.id)]);
    return done(req, reply, { message, redirect, data });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const before = await load(req);
    const body = readBody(req);
    if (body.secret === '' || body.secret === null) delete body.secret; // a new secret is optional
    const bag = new ErrorBag();
    const input = WebhookUpdateBody.check(body, bag) as WebhookInput;
    if (typeof input.url === 'string' && !bag.has('url') && input.url !== before.url) {
      const refused = await urlRefusal(input.url, config.webhooksAllowPrivate);
      if (refused) bag.add('url', refused);
    }
    checkEventTypes(input.eventTypes, bag);
    checkCustomHeaders(input.customHeaders, bag);
    bag.throwIfAny(WebhookUpdateBody.schema);
    // A form sends every field: no header row is "no custom headers".
    if (!wantsJson(req) && input.customHeaders === undefined) input.customHeaders = [];
    const hook = await db.tx(async (q) => {
      await updateWebhook(q, req.user!, config.appKey, before, input);
      return (await findWebhook(q, before.id, null)) as WebhookRow;
    });
    forgetListeners(db, before.account_id);
    return done(req, reply, { message: 'Webhook updated.', redirect: showUrl(hook.id), data: webhookJson(hook) });
  };
  route<IdRoute>('PATCH', `${LIST}/:id/update`, { config: { ...can } }, update);
  route<IdRoute>('PUT', `${LIST}/:id/update`, { config: { ...can } }, update);

  route<IdRoute>('DELETE', `${LIST}/:id/delete`, { config: can }, async (req, reply) => {
    const hook = await load(req);
    await db.tx((q) => deleteWebhook(q, req.user!, hook));
    forgetListeners(db, hook.account_id);
    return done(req, reply, { message: 'Webhook deleted.', redirect: LIST });
  });
}
