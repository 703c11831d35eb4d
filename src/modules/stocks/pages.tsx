import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { nothingDeleted, notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { actorOfUser } from '../../web/actor.js';
import { audit, auditMany } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { listQuery } from '../../web/list-query.js';
import { queryText } from '../../web/query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { renderFormPage } from '../../web/form-page.js';
import { count, listAfterDelete, readIds, refuseDelete } from '../catalog/deletion.js';
import { done } from '../../web/respond.js';
import { formRoutes, updateRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute } from '../../web/types.js';
import { PageHeader } from '../../web/ui.js';
import { STOCK_REASONS } from './effects.js';
import { stockPolicy } from './policy.js';
import {
  findStock,
  latestHistories,
  listHistories,
  listStocks,
  productOptions,
  reservingOrders,
  STOCK_SORTS,
  stockJson,
  visibleWarehouses,
  warehouseOptions,
  type HistoryFilters,
  type StockDetail,
  type StockFilters,
} from './queries.js';
import { STOCK_STATUSES, stockCreate, stockMove, stockUpdate } from './schemas.js';
import { createStock, decrementStock, deleteStocks, incrementStock, updateStock, type StockFields } from './service.js';

import { HistoriesList, showUrl, StockForm, StockPage, StocksList } from './views.js';

const id = Type.String({ maxLength: 100 });
const stockList = listQuery({
  sorts: STOCK_SORTS,
  defaultSort: 'created_at',
  statuses: STOCK_STATUSES,
  filters: { warehouse_id: id, product_id: id, account_id: id, low_stock: Type.Boolean() },
});
const historyList = listQuery({
  sorts: ['created_at'],
  defaultSort: 'created_at',
  filters: { stock_id: id, warehouse_id: id, reason: Type.String({ enum: [...STOCK_REASONS] }) },
});

async function loadStock(web: FastifyInstance, req: FastifyRequest<IdRoute>): Promise<StockDetail> {
  const stock = await findStock(web.db, req.user!, req.params.id);
  if (!stock) throw notFound();
  return stock;
}

export async function stocksPages(web: FastifyInstance) {
  const route = formRoutes(web);
  addNav(
    { label: 'Stocks', href: '/stocks', icon: 'layers', visible: stockPolicy.can('view'), section: 'Stock' },
    { label: 'Stock histories', href: '/stocks-histories', icon: 'history', visible: stockPolicy.can('history'), section: 'Stock' },
  );

  web.get('/stocks', { config: { can: stockPolicy.can('view') } }, async (req, reply) => {
    const page = await listStocks(web.db, req.user!, stockList(req) as StockFilters);
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    const warehouses = await visibleWarehouses(web.db, req.user!);
    return renderPage(req, reply, { title: 'Stocks', body: <StocksList rows={page.rows} meta={page.meta} warehouses={warehouses} /> });
  });

  web.get('/stocks/create', { config: { can: stockPolicy.can('create') } }, async (req, reply) => {
    const [products, warehouses] = await Promise.all([productOptions(web.db), warehouseOptions(web.db, req.user!)]);
    const productId = queryText(req, 'product_id') ?? null;
    return renderFormPage(req, reply, {
      title: 'New stock',
      subtitle: 'A product kept in a warehouse. One stock per product and warehouse.',
      back: { href: '/stocks', label: 'Stocks' },
      form: <StockForm products={products} warehouses={warehouses} productId={productId} />,
    });
  });

  web.post('/stocks/store', { config: { can: stockPolicy.can('create') } }, async (req, reply) => {
    const body = formBody(req);
    const bag = new ErrorBag();
    const input = stockCreate.check(body, bag);
    const data = await web.db.tx(async (q) => {
      const stockId = await createStock(q, req.user!, input as StockFields, bag);
      const json = await stockJson(q, stockId);
      await audit(q, req.user!, 'stocks.create', { type: 'stock', id: stockId }, { ...json });
      return json;
    });
    return done(req, reply, { message: 'Stock created. Add goods to it below.', redirect: showUrl(data.id), data, status: 201 });
  });

  web.get<IdRoute>('/stocks/:id/show', { config: { can: stockPolicy.can('view') } }, async (req, reply) => {
    const stock = await loadStock(web, req);
    const histories = await latestHistories(web.db, stock.data.id);
    if (wantsJson(req)) return reply.send({ data: { ...stock.data, histories } });
    const reserving = await reservingOrders(web.db, stock.data.id);
    return renderPage(req, reply, {
      title: `${stock.product_name} · ${stock.warehouse_name}`,
      body: <StockPage stock={stock} histories={histories} reserving={reserving} />,
    });
  });

  web.get<IdRoute>('/stocks/:id/edit', { config: { can: stockPolicy.can('update') } }, async (req, reply) => {
    const stock = await loadStock(web, req);
    const [products, warehouses] = stock.moved
      ? [[], []]
      : await Promise.all([productOptions(web.db), warehouseOptions(web.db, req.user!)]);
    return renderPage(req, reply, {
      title: `Edit stock · ${stock.product_name}`,
      body: (
        <>
          <PageHeader
            title="Edit stock"
            subtitle={`${stock.product_name} in ${stock.warehouse_name}`}
            back={{ href: showUrl(stock.data.id), label: stock.product_name }}
          />
          <StockForm stock={stock} products={products} warehouses={warehouses} />
        </>
      ),
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const body = formBody(req);
    const bag = new ErrorBag();
    const input = stockUpdate.check(body, bag);
    // Emptied on purpose: refused, not ignored.
    for (const f of ['product_id', 'warehouse_id', 'warning_quantity'] as const)
      if (f in body && input[f] === undefined && !bag.has(f)) bag.add(f, messages.required(f));
    const before = await loadStock(web, req);
    const data = await web.db.tx(async (q) => {
      const changes = await updateStock(q, req.user!, actorOfUser(req.user!), before, input as Partial<StockFields>, bag);
      if (Object.keys(changes).length > 0) await audit(q, req.user!, 'stocks.update', { type: 'stock', id: before.data.id }, changes);
      return stockJson(q, before.data.id);
    });
    return done(req, reply, { message: 'Stock updated.', redirect: showUrl(data.id), data });
  };
  updateRoutes<IdRoute>(route, '/stocks/:id/update', { config: { can: stockPolicy.can('update') } }, update);

  for (const direction of ['increment', 'decrement'] as const) {
    route<IdRoute>('PUT', `/stocks/:id/${direction}`, { config: { can: stockPolicy.can('move') } }, async (req, reply) => {
      const body = formBody(req);
      const bag = new ErrorBag();
      const input = stockMove.check(body, bag);
      bag.throwIfAny(stockMove.schema);
      const stock = await loadStock(web, req);
      const actor = actorOfUser(req.user!);
      const comment = input.comment ?? null;
      const { data, reserved } = await web.db.tx(async (q) => {
        const reserved =
          direction === 'increment'
            ? await incrementStock(q, actor, stock.data.id, input.quantity, comment)
            : (await decrementStock(q, actor, stock.data.id, input.quantity, comment), 0);
        return { data: await stockJson(q, stock.data.id), reserved };
      });
      const message =
        direction === 'increment'
          ? `Added ${input.quantity} to the stock.${reserved > 0 ? ` ${reserved} waiting ${reserved === 1 ? 'order is' : 'orders are'} now reserved.` : ''}`
          : `Removed ${input.quantity} from the stock.`;
      return done(req, reply, { message, redirect: showUrl(stock.data.id), data });
    });
  }

  // Deleting follows the catalog's convention (src/modules/catalog/deletion.tsx): all or nothing, a refusal on `ids`.
  // `POST|DELETE`, like every other resource's delete (a plain POST with `ids[]` was a 405).
  web.route({
    method: ['POST', 'DELETE'],
    url: '/stocks/delete',
    config: { can: stockPolicy.can('delete') },
    handler: async (req, reply) => {
      const ids = readIds(req, reply, 'stock', '/stocks');
      if (!ids) return reply;
      const outcome = await web.db.tx(async (q) => {
        const o = await deleteStocks(q, req.user!, ids);
        if (o.deleted.length > 0)
          await auditMany(
            q,
            req.user!,
            'stocks.delete',
            'stock',
            o.deleted.map((id) => ({ id })),
          );
        return o;
      });
      if (outcome.refused.length > 0) {
        const message = ids.length > 1 ? nothingDeleted(outcome.refused) : outcome.refused.join(' ');
        return refuseDelete(req, reply, message, '/stocks');
      }
      if (outcome.deleted.length === 0) throw notFound();
      const n = outcome.deleted.length;
      return done(req, reply, {
        message: n === 1 ? 'Stock deleted.' : `${count(n, 'stock')} deleted.`,
        redirect: listAfterDelete(req, '/stocks'),
      });
    },
  });

  web.get('/stocks-histories', { config: { can: stockPolicy.can('history') } }, async (req, reply) => {
    const page = await listHistories(web.db, req.user!, historyList(req) as HistoryFilters);
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    const warehouses = await visibleWarehouses(web.db, req.user!);
    return renderPage(req, reply, {
      title: 'Stock histories',
      body: <HistoriesList rows={page.rows} meta={page.meta} warehouses={warehouses} />,
    });
  });
}
