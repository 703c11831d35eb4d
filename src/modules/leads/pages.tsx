import type { IdRoute } from '../../web/types.js';
import { leadPolicy } from './policy.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Queryable } from '../../db/database.js';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { ErrorBag } from '../../http/validation.js';
import { actorOfUser } from '../../web/actor.js';
import { formBody } from '../../web/form-body.js';
import { listQuery, type ListParams } from '../../web/list-query.js';
import type { PageMeta } from '../../db/paging.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { renderFormPage } from '../../web/form-page.js';
import { backUrl, done } from '../../web/respond.js';
import { formRoutes, updateRoutes, wantsJson } from '../../web/scope.js';
import { orderPolicy } from '../orders/policy.js';
import { findOrder, orderScopeOf } from '../orders/queries.js';
import { sendJson } from '../listing/api-helpers.js';
import { bulkDelete, createHandMade, deleting, checkFormLines, isStaff, linesButton, pageMeta, totalOf } from '../records/record-routes.js';
import { ListQuery } from '../listing/list-schemas.js';
import { pick, statusLabel, type HistoryItem } from '../records/record-ui.js';
import { IMPERSONATOR } from '../records/history.js';
import { accountChoices } from '../accounts/queries.js';
import { activeProducts, handMadeTarget } from '../records/hand-made.js';
import {
  findLead,
  findLeadByReference,
  leadAccess,
  findLeads,
  leadHistories,
  leadHistoryPage,
  leadJson,
  leadPage,
  LEAD_SORTS,
  leadStatusCounts,
  unsoldLines,
  type LeadFilters,
  type LeadRow,
  type LeadScope,
} from './queries.js';
import { LEAD_FORM_FIELDS, LEAD_MAX_LINES } from './schemas.js';
import { isOpenLead, LEAD_STATUSES, leadMovesFor, type LeadStatus } from './transitions.js';
import { agentChoices, agentsOfScope, leadAssignee } from '../call-centre/agents.js';
import { checkAgentEdit, checkOutcome } from '../call-centre/outcomes.js';
import { holdsClaim } from '../call-centre/queue.js';
import { callCentrePolicy } from '../call-centre/policy.js';
import { readSettings } from '../call-centre/settings.js';
import { createLead, deleteLeads, leadInput, patchLead } from './service.js';
import { zonedInstant } from '../../lib/time-zone.js';
import {
  CreateRecordPage,
  HistoriesList,
  LeadForm,
  LeadPage,
  LeadsList,
  leadUrl,
  markUnsold,
  RecordHistory,
  type HistoryRow,
  type LeadItem,
  type LeadListRow,
} from './views.js';

const accountFilter = Type.String({ minLength: 1, maxLength: 100 });
const leadList = listQuery({
  sorts: Object.keys(LEAD_SORTS),
  defaultSort: 'created_at',
  statuses: LEAD_STATUSES,
  statusList: true,
  filters: {
    reference: ListQuery.properties.reference,
    phone: ListQuery.properties.phone,
    sku: ListQuery.properties.sku,
    created_from: ListQuery.properties.created_from,
    created_to: ListQuery.properties.created_to,
    account_id: accountFilter,
    assigned_to: Type.String({ minLength: 1, maxLength: 64 }),
  },
});
const historyList = listQuery({
  sorts: ['created_at'],
  defaultSort: 'created_at',
  filters: {
    reference: ListQuery.properties.reference,
    from: ListQuery.properties.created_from,
    to: ListQuery.properties.created_to,
    account_id: accountFilter,
  },
});

const STATUS_FIELDS = ['status', 'comment', 'callback_at', 'cancel_reason', 'duplicate_of'] as const;
const ACCOUNT_NAME = '(SELECT a.name FROM accounts a WHERE a.id = l.account_id)';

/** The list's scope: a staff member may narrow it to one account with `account_id`. */
function listScope(scope: LeadScope, p: ListParams): LeadScope {
  return scope.accountId === null && typeof p.account_id === 'string' ? { ...scope, accountId: p.account_id } : scope;
}

/** The list's scope and filters, from its query string: GET /leads, and its export (POST /leads/export). */
export async function leadListFilters(db: Queryable, req: FastifyRequest) {
  const access = await leadAccess(db, req.user!);
  const p = leadList(req);
  const scope = listScope(access.scope, p);
  const f: LeadFilters = {
    page: p.page,
    per_page: p.per_page,
    status: p.statuses as LeadStatus[] | undefined,
    reference: p.reference as string | undefined,
    phone: p.phone as string | undefined,
    sku: p.sku as string | undefined,
    created_from: p.created_from as string | undefined,
    created_to: p.created_to as string | undefined,
    zone: req.server.config.timezone,
    search: p.search,
    // Whom a lead was given to is the call centre's business: only those who may assign filter by it.
    assigned_to: callCentrePolicy.can('assign')(req.user!) ? (p.assigned_to as string | undefined) : undefined,
  };
  return { p, scope, f };
}

export async function leadsPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Leads', href: '/leads', icon: 'phone', visible: leadPolicy.can('view') });

  /** The lead of `:id` this user may see, else 404 (another account's lead does not exist for them). */
  async function load(req: FastifyRequest<IdRoute>) {
    const access = await leadAccess(db, req.user!);
    const row = await findLead(db, access.scope, req.params.id);
    if (!row) throw notFound();
    return { access, row };
  }
  /** The lead's JSON; read in a write's transaction (`q`) so that a delete committed right after cannot take it from the answer. */
  const itemOf = async (row: LeadRow, q: Queryable = db) => {
    const json = await leadJson(q, row.account_id, row.reference);
    if (!json) throw notFound(); // deleted since the request found it
    return JSON.parse(json) as LeadItem;
  };
  /** The lead as its pages show it: a deleted product's lines marked (its page's 'No longer sold', its form's own choice). */
  const shownItemOf = (row: LeadRow) =>
    Promise.all([itemOf(row), unsoldLines(db, row.id)]).then(([item, unsold]) => markUnsold(item, unsold));

  web.get('/leads', { config: { can: leadPolicy.can('view') } }, async (req, reply) => {
    const user = req.user!;
    const { p, scope, f } = await leadListFilters(db, req);
    const sort = { sort: p.sort as keyof typeof LEAD_SORTS, direction: p.direction };
    // The status counts give the tabs and the total; the page itself skips its count.
    const counts = await leadStatusCounts(db, scope, f);
    const total = totalOf(counts, p.statuses);
    if (wantsJson(req)) return sendJson(reply, await leadPage(db, scope, f, { ...sort, total }));
    const text = await leadPage(db, scope, f, { ...sort, total, extra: { account_name: isStaff(user) ? ACCOUNT_NAME : 'NULL' } });
    const rows = (JSON.parse(text) as { data: LeadListRow[] }).data;
    const accounts = isStaff(user) ? await accountChoices(db) : undefined;
    const assigns = callCentrePolicy.can('assign')(user);
    return renderPage(req, reply, {
      title: p.status ? `Leads · ${statusLabel(p.status)}` : 'Leads',
      body: (
        <LeadsList
          rows={rows}
          meta={pageMeta(p, total)}
          counts={counts}
          accounts={accounts}
          canCreate={leadPolicy.can('create')(user)}
          canDelete={leadPolicy.can('delete')(user)}
          canImport={leadPolicy.can('import')(user)}
          canExport={leadPolicy.can('export')(user)}
          agents={assigns ? await agentChoices(db, actorOfUser(user)) : undefined}
          assignees={assigns ? await agentsOfScope(db, actorOfUser(user)) : undefined}
        />
      ),
    });
  });

  web.get('/leads/create', { config: { can: leadPolicy.can('create') } }, async (req, reply) =>
    renderPage(req, reply, {
      title: 'New lead',
      body: (
        <CreateRecordPage
          title="New lead"
          subtitle="A customer who called or wrote in: the same rules as leads from the API."
          back={{ href: '/leads', label: 'Leads' }}
          target={await handMadeTarget(db, req.user!, req.query)}
          form={(t) => <LeadForm products={t.products} accountId={t.staff ? t.accountId : undefined} accountName={t.accountName} />}
        />
      ),
    }),
  );

  web.post('/leads/store', { config: { can: leadPolicy.can('create') } }, async (req, reply) => {
    if (linesButton(req, reply, LEAD_MAX_LINES, '/leads/create')) return reply;
    const { id, accountId } = await createHandMade(db, req, {
      table: 'leads',
      fields: LEAD_FORM_FIELDS,
      shape: leadInput,
      create: createLead,
    });
    const row = (await findLead(db, { accountId }, id))!;
    return done(req, reply, { message: `Lead ${row.reference} created.`, redirect: leadUrl(row.id), data: await itemOf(row), status: 201 });
  });

  web.get<IdRoute>('/leads/:id/show', { config: { can: leadPolicy.can('view') } }, async (req, reply) => {
    const user = req.user!;
    const { access, row } = await load(req);
    if (wantsJson(req)) return sendJson(reply, `{"data":${await leadJson(db, row.account_id, row.reference)}}`);
    // The order is linked only when its page would open: an agent sees only the orders they confirmed.
    const orderVisible = async (orderId: string | null) =>
      orderId !== null && orderPolicy.authorize(user, 'view') && (await findOrder(db, orderScopeOf(user), orderId)) !== undefined;
    // An agent records a call only on the lead they hold (call-centre.md): without the claim the form would end on a 409.
    const agentWithoutClaim = async () => user.role === 'agent' && isOpenLead(row.status) && !(await holdsClaim(db, user.id, row.id));
    // Whom the lead waits for, told to those who may assign it (docs/decisions.md, "Who sees a lead's assignee").
    const assignee = async () => (callCentrePolicy.can('assign')(user) ? leadAssignee(db, actorOfUser(user), row.id) : undefined);
    const [lead, histories, canSeeOrder, callFromQueue, assignedTo] = await Promise.all([
      shownItemOf(row),
      leadHistories(db, row.id, { impersonator: true }),
      orderVisible(row.order_id),
      agentWithoutClaim(),
      assignee(),
    ]);
    const original = lead.duplicate_of ? await findLeadByReference(db, access.scope, row.account_id, lead.duplicate_of) : undefined;
    const options = leadPolicy.can('update')(user) && !callFromQueue ? leadMovesFor(actorOfUser(user), row.status, access.handlings) : [];
    const cancelReasons = options.includes('canceled') ? (await readSettings(db)).cancel_reasons : [];
    return renderPage(req, reply, {
      title: `${lead.reference} · ${lead.full_name}`,
      body: (
        <LeadPage
          lead={lead}
          accountName={isStaff(user) ? row.account_name : undefined}
          orderId={row.order_id}
          originalId={original?.id}
          histories={JSON.parse(histories) as HistoryItem[]}
          options={options}
          cancelReasons={cancelReasons}
          canEdit={leadPolicy.can('update')(user)}
          canDelete={leadPolicy.can('delete')(user)}
          canSeeOrder={canSeeOrder}
          callFromQueue={callFromQueue}
          assignee={assignedTo}
        />
      ),
    });
  });

  web.get<IdRoute>('/leads/:id/edit', { config: { can: leadPolicy.can('update') } }, async (req, reply) => {
    const { row } = await load(req);
    if (!isOpenLead(row.status)) {
      req.session.flash = {
        error: `${row.reference} is ${statusLabel(row.status).toLowerCase()}: only new, no reply and call later leads can be edited.`,
      };
      return reply.redirect(leadUrl(row.id), 302);
    }
    await checkAgentEdit(db, req.user!, row.id, { lock: false });
    // A line of a deleted product shows as that product, not as a new one that took its SKU since.
    const [lead, products] = await Promise.all([shownItemOf(row), activeProducts(db, row.account_id)]);
    return renderFormPage(req, reply, {
      title: `Edit ${lead.reference}`,
      subtitle: lead.full_name,
      back: { href: leadUrl(lead.id), label: lead.reference },
      form: <LeadForm lead={lead} products={products} accountName={isStaff(req.user!) ? row.account_name : undefined} />,
    });
  });

  updateRoutes<IdRoute>(route, '/leads/:id/update', { config: { can: leadPolicy.can('update') } }, async (req, reply) => {
    const { row } = await load(req);
    if (linesButton(req, reply, LEAD_MAX_LINES, `/leads/${row.id}/edit`)) return reply;
    const body = formBody(req);
    const data = await db.tx(
      async (q) => {
        await checkAgentEdit(q, req.user!, row.id, { lock: true });
        // The form resends every line by SKU: a deleted product's line saved unchanged is refused, not swapped.
        const input = pick(body, LEAD_FORM_FIELDS);
        const bag = new ErrorBag();
        await checkFormLines(q, req, { table: 'lead_lines', id: row.id, accountId: row.account_id }, input, bag);
        await patchLead(q, actorOfUser(req.user!), row.account_id, row.reference, input, bag);
        return itemOf(row, q);
      },
      { retryConflicts: true },
    );
    return done(req, reply, { message: `Lead ${row.reference} updated.`, redirect: leadUrl(row.id), data });
  });

  route<IdRoute>('PATCH', '/leads/:id/status', { config: { can: leadPolicy.can('update') } }, async (req, reply) => {
    const user = req.user!;
    const { access, row } = await load(req);
    // The call screen's corrections: adding or removing a line comes back to it (nothing recorded).
    if (linesButton(req, reply, LEAD_MAX_LINES, `/call-centre/leads/${row.id}`)) return reply;
    const body = formBody(req);
    // Confirming may correct the customer and the products in the same request (call-centre.md).
    const input = pick(body, body.status === 'confirmed' ? [...STATUS_FIELDS, ...LEAD_FORM_FIELDS] : STATUS_FIELDS);
    // The form's "Call back at" is a wall-clock time of the platform's zone (the failed form shows it as typed).
    if (typeof input.callback_at === 'string') input.callback_at = zonedInstant(input.callback_at, web.config.timezone);
    // Run again if PostgreSQL aborts it as a deadlock (two leads marked duplicates of each other at
    // once): it reads and writes only the database, its errors gathered afresh on each run.
    const lead = await db.tx(
      async (q) => {
        // The outcome's errors and the lifecycle's are told together (the move's refusal was hidden behind a reason's: ops audit).
        const bag = new ErrorBag();
        await checkOutcome(q, user, row.id, access.handlings, input, bag);
        if (input.status === 'confirmed')
          await checkFormLines(q, req, { table: 'lead_lines', id: row.id, accountId: row.account_id }, input, bag);
        await patchLead(q, actorOfUser(user), row.account_id, row.reference, input, bag);
        return itemOf(row, q);
      },
      { retryConflicts: true },
    );
    const order = lead.status === 'confirmed' && lead.order_reference ? ` Order ${lead.order_reference} was created.` : '';
    // The no reply that reached max_attempts canceled the lead (transitionLeads): say so to whoever pressed "No reply".
    const unreachable =
      body.status === 'no_reply' && lead.status === 'canceled'
        ? ` No answer after ${lead.call_attempts} calls: canceled as unreachable.`
        : '';
    return done(req, reply, {
      message: `${lead.reference} is now ${statusLabel(lead.status)}.${order}${unreachable}`,
      redirect: user.role === 'agent' ? '/call-centre' : leadUrl(row.id),
      data: lead,
    });
  });

  // A shared link trimmed to the record's address opens its page (it answered 405: only DELETE lives here).
  web.get<IdRoute>('/leads/:id', { config: { can: leadPolicy.can('view') } }, (req, reply) =>
    reply.redirect(`/leads/${encodeURIComponent(req.params.id)}/show`, 302),
  );

  route<IdRoute>('DELETE', '/leads/:id', { config: { can: leadPolicy.can('delete') } }, async (req, reply) => {
    const { row } = await load(req);
    const ok = await deleting(req, reply, leadUrl(row.id), () =>
      db.tx((q) => deleteLeads(q, row.account_id, [row.reference], () => 'id', new ErrorBag())),
    );
    if (!ok) return reply;
    return done(req, reply, {
      message: wantsJson(req) ? 'Lead deleted successfully.' : `Lead ${row.reference} deleted.`,
      redirect: '/leads',
    });
  });

  route('DELETE', '/leads/delete', { config: { can: leadPolicy.can('delete') } }, async (req, reply) => {
    const access = await leadAccess(db, req.user!);
    const count = await bulkDelete(req, reply, db, {
      noun: 'lead',
      fallback: '/leads',
      find: (q, ids) => findLeads(q, access.scope, ids),
      del: (q, accountId, refs, keyOf) => deleteLeads(q, accountId, refs, keyOf, new ErrorBag()),
    });
    if (count === undefined) return reply;
    const message = wantsJson(req) ? 'Leads deleted successfully.' : `${count} lead${count === 1 ? '' : 's'} deleted.`;
    if (wantsJson(req)) return reply.send({ message, data: { count } });
    return done(req, reply, { message, redirect: backUrl(req, '/leads') });
  });

  web.get('/lead-histories', { config: { can: leadPolicy.can('view') } }, async (req, reply) => {
    const user = req.user!;
    const access = await leadAccess(db, user);
    const p = historyList(req);
    const scope = listScope(access.scope, p);
    const f = {
      page: p.page,
      per_page: p.per_page,
      reference: p.reference as string | undefined,
      from: p.from as string | undefined,
      to: p.to as string | undefined,
      zone: req.server.config.timezone,
      search: p.search,
      direction: p.direction,
    };
    if (wantsJson(req)) return sendJson(reply, await leadHistoryPage(db, scope, f));
    const extra = {
      record_id: 'l.id',
      account_name: isStaff(user) ? ACCOUNT_NAME : 'NULL',
      impersonated_by: IMPERSONATOR,
      changes: 'h.changes',
      without_status: 'h.without_status',
    };
    const page = JSON.parse(await leadHistoryPage(db, scope, f, { extra })) as { data: HistoryRow[]; meta: PageMeta };
    return renderPage(req, reply, {
      title: 'Lead histories',
      body: <HistoriesList kind="lead" rows={page.data} meta={page.meta} accounts={isStaff(user) ? await accountChoices(db) : undefined} />,
    });
  });

  web.get<IdRoute>('/lead-histories/:id/show', { config: { can: leadPolicy.can('view') } }, async (req, reply) => {
    const { row } = await load(req);
    const histories = await leadHistories(db, row.id, { impersonator: !wantsJson(req) });
    if (wantsJson(req)) {
      const lead = (await leadJson(db, row.account_id, row.reference))!;
      return sendJson(reply, `{"data":${lead.slice(0, -1)},"histories":${histories}}}`);
    }
    return renderPage(req, reply, {
      title: `History of ${row.reference}`,
      body: (
        <RecordHistory
          kind="lead"
          id={row.id}
          reference={row.reference}
          status={row.status}
          histories={JSON.parse(histories) as HistoryItem[]}
          accountName={isStaff(req.user!) ? row.account_name : undefined}
        />
      ),
    });
  });
}
