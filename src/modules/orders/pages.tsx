import type { IdRoute } from '../../web/types.js';
import { leadPolicy } from '../leads/policy.js';
import { findLead, leadAccess } from '../leads/queries.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Queryable } from '../../db/database.js';
import { notFound } from '../../http/errors.js';
import { compile, ErrorBag } from '../../http/validation.js';
import { actorOfUser } from '../../web/actor.js';
import { formBody } from '../../web/form-body.js';
import { listQuery } from '../../web/list-query.js';
import type { PageMeta } from '../../db/paging.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { renderFormPage } from '../../web/form-page.js';
import { done } from '../../web/respond.js';
import { formRoutes, updateRoutes, wantsJson } from '../../web/scope.js';
import { accountChoices } from '../accounts/queries.js';
import { activeProducts, handMadeTarget } from '../records/hand-made.js';
import { unsoldLinesOf } from '../records/lines.js';
import { CreateRecordPage, HistoriesList, markUnsold, RecordHistory, type HistoryRow } from '../leads/views.js';
import { sendJson } from '../listing/api-helpers.js';
import { ListQuery } from '../listing/list-schemas.js';
import { bulkDelete, createHandMade, deleting, checkFormLines, isStaff, linesButton, pageMeta, totalOf } from '../records/record-routes.js';
import { pick, statusLabel, type HistoryItem } from '../records/record-ui.js';
import { IMPERSONATOR } from '../records/history.js';
import { checkOrderMove, shipTrackingNumber, transitionOrders } from './lifecycle.js';
import { orderPolicy } from './policy.js';
import {
  deliveryUsers,
  manualCompanies,
  findOrder,
  orderScopeOf,
  findOrders,
  lockOrders,
  orderEvents,
  orderHistories,
  orderHistoryPage,
  orderJson,
  orderPage,
  ORDER_SORTS,
  orderStatusCounts,
  type OrderFilters,
  type OrderRow,
  type OrderScope,
} from './queries.js';
import { ORDER_FIELDS, ORDER_MAX_LINES } from './schemas.js';
import { ORDER_STATUSES, orderMovesFor, type OrderStatus } from './transitions.js';
import { createOrder, deleteOrders, orderInput, patchOrder } from './service.js';
import { ledgerPolicy } from '../ledger/policy.js';
import { WAITING_FOR_STOCK } from '../stocks/effects.js';
import { orderLedger } from '../ledger/queries.js';
import { CourierEventsCard, OrderForm, OrderPage, OrdersList, orderUrl, type OrderItem, type OrderListRow } from './views.js';
import { lastPushFailure } from '../shipping/push-failures.js';

const accountFilter = Type.String({ minLength: 1, maxLength: 100 });
const orderList = listQuery({
  sorts: Object.keys(ORDER_SORTS),
  defaultSort: 'created_at',
  statuses: ORDER_STATUSES,
  statusList: true,
  filters: {
    reference: ListQuery.properties.reference,
    phone: ListQuery.properties.phone,
    sku: ListQuery.properties.sku,
    tracking_number: ListQuery.properties.tracking_number,
    created_from: ListQuery.properties.created_from,
    created_to: ListQuery.properties.created_to,
    account_id: accountFilter,
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

const optionalText = (max: number) => Type.Optional(Type.String({ minLength: 1, maxLength: max, nullable: true }));
/** `PATCH /orders/{id}/status`: the status and what the transition needs (dashboard.md). */
const OrderStatusBody = Type.Object({
  status: Type.String({ enum: [...ORDER_STATUSES] }),
  tracking_number: optionalText(200),
  delivery_user_id: optionalText(100),
  shipping_company_id: optionalText(100),
  comment: optionalText(1000),
});
const orderStatusBody = compile(OrderStatusBody);

const ACCOUNT_NAME = '(SELECT a.name FROM accounts a WHERE a.id = o.account_id)';
const COURIER_NAME = '(SELECT u.full_name FROM users u WHERE u.id = o.delivery_user_id)';

const STATUS_DONE: Record<OrderStatus, string> = {
  new: 'is new again (renewed)',
  shipped: 'is shipped',
  delivered: 'is delivered',
  returned: 'is returned',
  canceled: 'is canceled',
};

/** The list's scope and filters, from its query string: GET /orders, and its export (POST /orders/export). */
export function orderListFilters(req: FastifyRequest) {
  const p = orderList(req);
  const base = orderScopeOf(req.user!);
  const scope: OrderScope = base.accountId === null && typeof p.account_id === 'string' ? { ...base, accountId: p.account_id } : base;
  const f: OrderFilters = {
    page: p.page,
    per_page: p.per_page,
    status: p.statuses as OrderStatus[] | undefined,
    reference: p.reference as string | undefined,
    phone: p.phone as string | undefined,
    sku: p.sku as string | undefined,
    tracking_number: p.tracking_number as string | undefined,
    created_from: p.created_from as string | undefined,
    created_to: p.created_to as string | undefined,
    zone: req.server.config.timezone,
    search: p.search,
  };
  return { p, scope, f };
}

export async function ordersPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Orders', href: '/orders', icon: 'truck', visible: orderPolicy.can('view') });

  /** The order of `:id` this user may see, else 404. */
  async function load(req: FastifyRequest<IdRoute>): Promise<OrderRow> {
    const row = await findOrder(db, orderScopeOf(req.user!), req.params.id);
    if (!row) throw notFound();
    return row;
  }
  /** The order's JSON; read in a write's transaction (`q`) so that a delete committed right after cannot take it from the answer. */
  const itemOf = async (row: OrderRow, q: Queryable = db) => {
    const json = await orderJson(q, row.account_id, row.reference);
    if (!json) throw notFound(); // deleted since the request found it
    return JSON.parse(json) as OrderItem;
  };
  /** The order as its pages show it: a deleted product's lines marked (its page's 'No longer sold', its form's own choice). */
  const shownItemOf = (row: OrderRow) =>
    Promise.all([itemOf(row), unsoldLinesOf(db, 'order_lines', row.id)]).then(([item, unsold]) => markUnsold(item, unsold));

  web.get('/orders', { config: { can: orderPolicy.can('view') } }, async (req, reply) => {
    const user = req.user!;
    const { p, scope, f } = orderListFilters(req);
    const sort = { sort: p.sort as keyof typeof ORDER_SORTS, direction: p.direction };
    const counts = await orderStatusCounts(db, scope, f);
    const total = totalOf(counts, p.statuses);
    if (wantsJson(req)) return sendJson(reply, await orderPage(db, scope, f, { ...sort, total }));
    const extra = {
      account_name: isStaff(user) ? ACCOUNT_NAME : 'NULL',
      delivery_user_name: COURIER_NAME,
      waiting_for_stock: WAITING_FOR_STOCK('o'),
    };
    const text = await orderPage(db, scope, f, { ...sort, total, extra });
    return renderPage(req, reply, {
      title: p.status ? `Orders · ${statusLabel(p.status)}` : 'Orders',
      body: (
        <OrdersList
          rows={(JSON.parse(text) as { data: OrderListRow[] }).data}
          meta={pageMeta(p, total)}
          counts={counts}
          accounts={isStaff(user) ? await accountChoices(db) : undefined}
          canCreate={orderPolicy.can('create')(user)}
          canDelete={orderPolicy.can('delete')(user)}
          canHistory={orderPolicy.can('history')(user)}
          canImport={orderPolicy.can('import')(user)}
          canExport={orderPolicy.can('export')(user)}
          canLabel={orderPolicy.can('label')(user)}
        />
      ),
    });
  });

  web.get('/orders/create', { config: { can: orderPolicy.can('create') } }, async (req, reply) =>
    renderPage(req, reply, {
      title: 'New order',
      body: (
        <CreateRecordPage
          title="New order"
          subtitle="An order taken by hand: the same rules as orders from the API."
          back={{ href: '/orders', label: 'Orders' }}
          target={await handMadeTarget(db, req.user!, req.query)}
          form={(t) => <OrderForm products={t.products} accountId={t.staff ? t.accountId : undefined} accountName={t.accountName} />}
        />
      ),
    }),
  );

  web.post('/orders/store', { config: { can: orderPolicy.can('create') } }, async (req, reply) => {
    if (linesButton(req, reply, ORDER_MAX_LINES, '/orders/create')) return reply;
    const { id, accountId } = await createHandMade(db, req, {
      table: 'orders',
      fields: ORDER_FIELDS,
      shape: orderInput,
      create: createOrder,
    });
    const row = (await findOrder(db, { accountId }, id))!;
    return done(req, reply, {
      message: `Order ${row.reference} created.`,
      redirect: orderUrl(row.id),
      data: await itemOf(row),
      status: 201,
    });
  });

  web.get<IdRoute>('/orders/:id/show', { config: { can: orderPolicy.can('view') } }, async (req, reply) => {
    const user = req.user!;
    const row = await load(req);
    if (wantsJson(req)) return sendJson(reply, `{"data":${await orderJson(db, row.account_id, row.reference)}}`);
    const options = orderMovesFor(actorOfUser(user), row);
    // The lead is linked only when its page would open: a manager sees every order but only their team's leads.
    const leadVisible = async (leadId: string | null) =>
      leadId !== null && leadPolicy.can('view')(user) && (await findLead(db, (await leadAccess(db, user)).scope, leadId)) !== undefined;
    const [order, histories, events, couriers, companies, ledger, canSeeLead, pushFailure] = await Promise.all([
      shownItemOf(row),
      orderHistories(db, row.id, { impersonator: true }),
      orderEvents(db, row.id),
      options.includes('shipped') ? deliveryUsers(db) : Promise.resolve([]),
      options.includes('shipped') ? manualCompanies(db) : Promise.resolve([]),
      ledgerPolicy.authorize(user, 'view') ? orderLedger(db, row.id) : Promise.resolve(undefined),
      leadVisible(row.lead_id),
      lastPushFailure(db, row.id),
    ]);
    return renderPage(req, reply, {
      title: `${order.reference} · ${order.full_name}`,
      body: (
        <OrderPage
          order={order}
          accountName={isStaff(user) ? row.account_name : undefined}
          leadId={row.lead_id}
          deliveryUserName={row.delivery_user_name}
          histories={JSON.parse(histories) as HistoryItem[]}
          events={events}
          ledger={ledger}
          options={options}
          couriers={couriers}
          companies={companies}
          codAmount={row.cod_amount}
          waitingForStock={row.waiting_for_stock}
          pushFailure={pushFailure}
          canEdit={orderPolicy.can('edit')(user)}
          canDelete={orderPolicy.can('delete')(user)}
          canSeeLead={canSeeLead}
          canHistory={orderPolicy.can('history')(user)}
          canLabel={orderPolicy.can('label')(user)}
          canPush={orderPolicy.can('push')(user)}
        />
      ),
    });
  });

  web.get<IdRoute>('/orders/:id/edit', { config: { can: orderPolicy.can('edit') } }, async (req, reply) => {
    const row = await load(req);
    if (row.status !== 'new') {
      req.session.flash = { error: `${row.reference} is ${statusLabel(row.status).toLowerCase()}: only new orders can be edited.` };
      return reply.redirect(orderUrl(row.id), 302);
    }
    // A line of a deleted product shows as that product, not as a new one that took its SKU since.
    const [order, products] = await Promise.all([shownItemOf(row), activeProducts(db, row.account_id)]);
    return renderFormPage(req, reply, {
      title: `Edit ${order.reference}`,
      subtitle: order.full_name,
      back: { href: orderUrl(order.id), label: order.reference },
      form: <OrderForm order={order} products={products} accountName={isStaff(req.user!) ? row.account_name : undefined} />,
    });
  });

  updateRoutes<IdRoute>(route, '/orders/:id/update', { config: { can: orderPolicy.can('edit') } }, async (req, reply) => {
    const row = await load(req);
    if (linesButton(req, reply, ORDER_MAX_LINES, `/orders/${row.id}/edit`)) return reply;
    const body = formBody(req);
    const data = await db.tx(async (q) => {
      // The form resends every line by SKU: a deleted product's line saved unchanged is refused, not swapped.
      const input = pick(body, ORDER_FIELDS);
      const bag = new ErrorBag();
      await checkFormLines(q, req, { table: 'order_lines', id: row.id, accountId: row.account_id }, input, bag);
      await patchOrder(q, actorOfUser(req.user!), row.account_id, row.reference, input, bag);
      return itemOf(row, q);
    });
    return done(req, reply, { message: `Order ${row.reference} updated.`, redirect: orderUrl(row.id), data });
  });

  route<IdRoute>('PATCH', '/orders/:id/status', { config: { can: orderPolicy.can('update') } }, async (req, reply) => {
    const body = formBody(req);
    const user = req.user!;
    const row = await load(req);
    const bag = new ErrorBag();
    const input = orderStatusBody.check(
      pick(body, ['status', 'tracking_number', 'delivery_user_id', 'shipping_company_id', 'comment']),
      bag,
    );
    const actor = actorOfUser(user);
    const order = await db.tx(async (q) => {
      const current = (await lockOrders(q, row.account_id, [row.reference])).get(row.reference);
      if (!current) throw notFound();
      const to = input.status as OrderStatus | undefined;
      if (to !== undefined && !bag.has('status')) {
        await checkOrderMove(q, actor, { ...current, account_id: row.account_id }, { ...input, status: to }, bag);
      }
      bag.throwIfAny(OrderStatusBody);
      // The lifecycle may still refuse (e.g. shipping an order waiting for stock): its 422 goes back as is.
      await transitionOrders(q, actor, row.account_id, [
        {
          id: row.id,
          from: current.status,
          courierId: current.delivery_user_id,
          to: to!,
          comment: input.comment ?? null,
          // With an own courier and no tracking number, the reference is the parcel's number (labels, search).
          trackingNumber: to === 'shipped' ? shipTrackingNumber(input, current.reference) : null,
          deliveryUserId: to === 'shipped' ? (input.delivery_user_id ?? null) : null,
          shippingCompanyId: to === 'shipped' ? (input.shipping_company_id ?? null) : null,
        },
      ]);
      return itemOf(row, q);
    });
    return done(req, reply, {
      message: `${order.reference} ${STATUS_DONE[order.status as OrderStatus]}.`,
      redirect: orderUrl(row.id),
      data: order,
    });
  });

  // A shared link trimmed to the record's address opens its page (it answered 405: only DELETE lives here).
  web.get<IdRoute>('/orders/:id', { config: { can: orderPolicy.can('view') } }, (req, reply) =>
    reply.redirect(`/orders/${encodeURIComponent(req.params.id)}/show`, 302),
  );

  route<IdRoute>('DELETE', '/orders/:id', { config: { can: orderPolicy.can('delete') } }, async (req, reply) => {
    const row = await load(req);
    const actor = actorOfUser(req.user!);
    const ok = await deleting(req, reply, orderUrl(row.id), () =>
      db.tx((q) => deleteOrders(q, row.account_id, [row.reference], () => 'id', new ErrorBag(), actor)),
    );
    if (!ok) return reply;
    return done(req, reply, {
      message: wantsJson(req) ? 'Order deleted successfully.' : `Order ${row.reference} deleted.`,
      redirect: '/orders',
    });
  });

  route('DELETE', '/orders/delete', { config: { can: orderPolicy.can('delete') } }, async (req, reply) => {
    const user = req.user!;
    const actor = actorOfUser(user);
    const count = await bulkDelete(req, reply, db, {
      noun: 'order',
      fallback: '/orders',
      find: (q, ids) => findOrders(q, orderScopeOf(user), ids),
      del: (q, accountId, refs, keyOf) => deleteOrders(q, accountId, refs, keyOf, new ErrorBag(), actor),
    });
    if (count === undefined) return reply;
    if (wantsJson(req)) return reply.send({ message: 'Orders deleted successfully.', data: { count } });
    return done(req, reply, { message: `${count} order${count === 1 ? '' : 's'} deleted.`, redirect: '/orders' });
  });

  web.get('/orders-histories', { config: { can: orderPolicy.can('history') } }, async (req, reply) => {
    const user = req.user!;
    const p = historyList(req);
    const base = orderScopeOf(user);
    const scope: OrderScope = base.accountId === null && typeof p.account_id === 'string' ? { ...base, accountId: p.account_id } : base;
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
    if (wantsJson(req)) return sendJson(reply, await orderHistoryPage(db, scope, f));
    const extra = {
      record_id: 'o.id',
      account_name: isStaff(user) ? ACCOUNT_NAME : 'NULL',
      impersonated_by: IMPERSONATOR,
      changes: 'h.changes',
    };
    const page = JSON.parse(await orderHistoryPage(db, scope, f, { extra })) as { data: HistoryRow[]; meta: PageMeta };
    return renderPage(req, reply, {
      title: 'Order histories',
      body: (
        <HistoriesList kind="order" rows={page.data} meta={page.meta} accounts={isStaff(user) ? await accountChoices(db) : undefined} />
      ),
    });
  });

  web.get<IdRoute>('/orders-histories/:id/show', { config: { can: orderPolicy.can('history') } }, async (req, reply) => {
    const row = await load(req);
    const histories = await orderHistories(db, row.id, { impersonator: !wantsJson(req) });
    if (wantsJson(req)) {
      const order = (await orderJson(db, row.account_id, row.reference))!;
      return sendJson(reply, `{"data":${order.slice(0, -1)},"histories":${histories}}}`);
    }
    return renderPage(req, reply, {
      title: `History of ${row.reference}`,
      body: (
        <RecordHistory
          kind="order"
          id={row.id}
          reference={row.reference}
          status={row.status}
          histories={JSON.parse(histories) as HistoryItem[]}
          accountName={isStaff(req.user!) ? row.account_name : undefined}
          after={<CourierEventsCard events={await orderEvents(db, row.id)} />}
        />
      ),
    });
  });
}
