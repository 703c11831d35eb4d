import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { sendWrite } from '../../http/idempotency.js';
import { ErrorBag, validate } from '../../http/validation.js';
import { actorOf, apiDoc, bulkDeleteBody, checkListQuery, historyQuery, sendJson } from '../shared/api-helpers.js';
import { BulkDeleteBody, History, HistoryQuery, ListQueryOptional, Message, Page } from '../shared/list-schemas.js';
import { orderPolicy, type OrderAction } from './policy.js';
import { orderHistoryPage, orderJson, orderPage } from './queries.js';
import { ORDER_STATUSES, OrderBulkPatchBody, OrderCreateBody, OrderPatch, OrderResource } from './schemas.js';
import { createOrdersFromApi, deleteOrders, patchOrder, patchOrdersBulk } from './service.js';

const may = (action: OrderAction) => (role: Parameters<typeof orderPolicy.allows>[0]) => orderPolicy.allows(role, action);
const Reference = Type.Object({ reference: Type.String() });

export async function ordersApi(api: FastifyInstance, opts: { bulkBodyLimit: number }) {
  const bulk = { bodyLimit: opts.bulkBodyLimit };

  api.post(
    '/orders',
    {
      ...bulk,
      config: { scope: 'CREATE ORDERS', allows: may('create') },
      schema: apiDoc('Orders', 'Create up to 1,000 orders, all or nothing', {
        body: OrderCreateBody,
        response: { 201: Type.Object({ message: Type.String(), data: Type.Object({ references: Type.Array(Type.String()) }) }) },
      }),
    },
    (req, reply) =>
      sendWrite(req, reply, async (q) => {
        const actor = actorOf(req);
        const references = await createOrdersFromApi(q, actor, actor.accountId, req.body);
        return { status: 201, json: JSON.stringify({ message: 'Orders created successfully.', data: { references } }) };
      }),
  );

  api.get(
    '/orders',
    {
      config: { scope: 'VIEW ORDERS', allows: may('view') },
      schema: apiDoc('Orders', 'List orders, newest first', { querystring: ListQueryOptional, response: { 200: Page(OrderResource) } }),
    },
    async (req, reply) => {
      const f = checkListQuery(req.query, ORDER_STATUSES);
      return sendJson(reply, await orderPage(api.db, actorOf(req).accountId, { ...f, status: f.status as never }));
    },
  );

  api.get(
    '/orders/:reference',
    {
      config: { scope: 'VIEW ORDERS', allows: may('view') },
      schema: apiDoc('Orders', 'Show an order', { params: Reference, response: { 200: Type.Object({ data: OrderResource }) } }),
    },
    async (req, reply) => {
      const { reference } = req.params as { reference: string };
      const json = await orderJson(api.db, actorOf(req).accountId, reference);
      if (!json) throw notFound();
      return sendJson(reply, `{"data":${json}}`);
    },
  );

  api.patch(
    '/orders/:reference',
    {
      config: { scope: 'UPDATE ORDERS', allows: may('update') },
      schema: apiDoc('Orders', 'Update an order: fields while open, status by the lifecycle', {
        params: Reference,
        body: OrderPatch,
        response: { 200: Type.Object({ message: Type.String(), data: OrderResource }) },
      }),
    },
    (req, reply) =>
      sendWrite(req, reply, async (q) => {
        const actor = actorOf(req);
        const { reference } = req.params as { reference: string };
        await patchOrder(q, actor, actor.accountId, reference, req.body);
        const json = await orderJson(q, actor.accountId, reference);
        return { status: 200, json: `{"message":"Order updated successfully.","data":${json}}` };
      }),
  );

  api.patch(
    '/orders',
    {
      ...bulk,
      config: { scope: 'UPDATE ORDERS', allows: may('update') },
      schema: apiDoc('Orders', 'Update up to 1,000 orders, all or nothing', {
        body: OrderBulkPatchBody,
        response: { 200: Type.Object({ message: Type.String(), data: Type.Array(Reference) }) },
      }),
    },
    (req, reply) =>
      sendWrite(req, reply, async (q) => {
        const actor = actorOf(req);
        const refs = await patchOrdersBulk(q, actor, actor.accountId, req.body);
        const data = refs.map((reference) => ({ reference }));
        return { status: 200, json: JSON.stringify({ message: 'Orders updated successfully.', data }) };
      }),
  );

  api.delete(
    '/orders/:reference',
    {
      config: { scope: 'DELETE ORDERS', allows: may('delete') },
      schema: apiDoc('Orders', 'Delete an order (only new or canceled ones)', { params: Reference, response: { 200: Message } }),
    },
    (req, reply) =>
      sendWrite(req, reply, async (q) => {
        const actor = actorOf(req);
        const { reference } = req.params as { reference: string };
        const found = await orderJson(q, actor.accountId, reference);
        if (!found) throw notFound();
        await deleteOrders(q, actor.accountId, [reference], () => 'reference', new ErrorBag(), actor);
        return { status: 200, json: JSON.stringify({ message: 'Order deleted successfully.' }) };
      }),
  );

  api.delete(
    '/orders',
    {
      ...bulk,
      config: { scope: 'DELETE ORDERS', allows: may('delete') },
      schema: apiDoc('Orders', 'Delete up to 1,000 orders, all or nothing', {
        body: BulkDeleteBody,
        response: { 200: Type.Object({ message: Type.String(), data: Type.Object({ count: Type.Integer() }) }) },
      }),
    },
    (req, reply) =>
      sendWrite(req, reply, async (q) => {
        const actor = actorOf(req);
        const bag = new ErrorBag();
        const { references } = bulkDeleteBody.check(req.body, bag);
        const count = await deleteOrders(
          q,
          actor.accountId,
          Array.isArray(references) ? references : [],
          (i) => `references.${i}`,
          bag,
          actor,
        );
        return { status: 200, json: JSON.stringify({ message: 'Orders deleted successfully.', data: { count } }) };
      }),
  );

  api.get(
    '/order-histories',
    {
      config: { scope: 'VIEW ORDERS', allows: may('history') },
      schema: apiDoc('Orders', 'Status history of the orders, newest first', {
        querystring: HistoryQuery,
        response: { 200: Page(History('order_reference')) },
      }),
    },
    async (req, reply) => sendJson(reply, await orderHistoryPage(api.db, actorOf(req).accountId, validate(historyQuery, req.query))),
  );
}
