import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { compile, ErrorBag } from '../../http/validation.js';
import { actorOfUser } from '../../web/actor.js';
import { formBody } from '../../web/form-body.js';
import { DASHBOARD_PER_PAGE, listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { backUrl, done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute } from '../../web/types.js';
import { pick } from '../records/record-ui.js';
import { transitionOrders } from '../orders/lifecycle.js';
import { findOrder, lockOrders, orderScopeOf } from '../orders/queries.js';
import { orderMoveRefusal } from '../orders/transitions.js';
import { deliveryPolicy } from './policy.js';
import { DELIVERY_SORTS, deliveriesOf, roundCash, roundSize } from './queries.js';
import { DeliveriesPage } from './views.js';

const PAGE = '/deliveries';
/** The lists' query (`page`, `per_page` 1–1000, default 25): the round keeps its one order, oldest shipment first. */
const deliveriesQuery = listQuery({ sorts: Object.keys(DELIVERY_SORTS), defaultSort: 'shipped', defaultDirection: 'asc' });

/** `PATCH /deliveries/{id}/status`: what a courier says happened at the door. */
const MarkBody = Type.Object({
  status: Type.String({ enum: ['delivered', 'returned'] }),
  note: Type.Optional(Type.String({ maxLength: 1000, nullable: true })),
});
const markBody = compile(MarkBody);

/**
 * Where a mark goes back to: the round as the courier was looking at it (its page, per_page and
 * sort: the Referer's query, when the Referer is this site's round, `/deliveries` or their home `/`),
 * else the round's first page. Never another site or page: backUrl keeps a same-host local path
 * only, and only the round's two addresses are taken from it.
 */
const roundBack = (req: FastifyRequest) => backUrl(req, PAGE, [PAGE, '/']);

/**
 * roundBack after a mark took an order off the round: a page now past the round's last shows its
 * last instead of an empty page (a page or per_page the list would refuse is left for it to say so).
 */
async function roundBackAfterMark(req: FastifyRequest): Promise<string> {
  const back = roundBack(req);
  const url = new URL(back, 'http://localhost');
  // A key given twice is read as its last value, as the list reads it (http/query-string.ts).
  const value = (key: string) => url.searchParams.getAll(key).at(-1);
  const page = Number(value('page'));
  if (!Number.isInteger(page) || page <= 1) return back;
  const perPage = Number(value('per_page') ?? DASHBOARD_PER_PAGE);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 1000) return back;
  const last = Math.max(1, Math.ceil((await roundSize(req.server.db, req.user!.id)) / perPage));
  if (page <= last) return back;
  url.searchParams.set('page', String(last));
  return url.pathname + url.search;
}

/** A page of a courier's round: `/deliveries` (JSON too), and their home `/` (a page only). */
export async function sendRound(req: FastifyRequest, reply: FastifyReply, json = false) {
  const { db } = req.server;
  const page = await deliveriesOf(db, req.user!.id, deliveriesQuery(req));
  if (json) return reply.send({ data: page.rows, meta: page.meta });
  const cash = await roundCash(db, req.user!.id);
  return renderPage(req, reply, { title: 'My deliveries', body: <DeliveriesPage rows={page.rows} meta={page.meta} cash={cash} /> });
}

/**
 * Own couriers (fulfilment.md): a `delivery` user's round — their `shipped` orders with the
 * customer's phone, address and the cash to collect — and marking each delivered or returned with
 * an optional note, through the order lifecycle (`courier` mover: only their own orders, else 404).
 */
export async function deliveriesPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'My deliveries', href: PAGE, icon: 'truck', visible: deliveryPolicy.can('view') });

  web.get(PAGE, { config: { can: deliveryPolicy.can('view') } }, (req, reply) => sendRound(req, reply, wantsJson(req)));

  route<IdRoute>('PATCH', `${PAGE}/:id/status`, { config: { can: deliveryPolicy.can('mark'), back: roundBack } }, async (req, reply) => {
    const user = req.user!;
    const actor = actorOfUser(user);
    const row = await findOrder(db, orderScopeOf(user), req.params.id);
    if (!row) throw notFound();
    const bag = new ErrorBag();
    const input = markBody.check(pick(formBody(req), ['status', 'note']), bag);
    const to = input.status as 'delivered' | 'returned' | undefined;
    const note = typeof input.note === 'string' && input.note.trim() !== '' ? input.note.trim() : null;
    await db.tx(async (q) => {
      const current = (await lockOrders(q, row.account_id, [row.reference])).get(row.reference);
      if (!current || current.delivery_user_id !== user.id) throw notFound();
      if (to && !bag.has('status')) {
        const refused = orderMoveRefusal(actor, current, to);
        if (refused) bag.add('status', refused);
      }
      bag.throwIfAny(MarkBody);
      await transitionOrders(q, actor, row.account_id, [
        { id: row.id, from: current.status, courierId: current.delivery_user_id, to: to!, comment: note },
      ]);
    });
    return done(req, reply, {
      message: `${row.reference} is ${to}.`,
      redirect: wantsJson(req) ? PAGE : await roundBackAfterMark(req),
      data: { id: row.id, reference: row.reference, status: to, note },
    });
  });
}
