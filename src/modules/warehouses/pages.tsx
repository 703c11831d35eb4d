import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { nothingDeleted, notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { formBody } from '../../web/form-body.js';
import { listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { renderFormPage } from '../../web/form-page.js';
import { done } from '../../web/respond.js';
import { formRoutes, updateRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute } from '../../web/types.js';
import { cityExists, cityOptions } from '../cities/queries.js';
import { deleteRoute, inUseMessage } from '../catalog/named-records.js';
import { warehousePolicy } from './policy.js';
import {
  findWarehouse,
  listWarehouses,
  stockManagersOf,
  WAREHOUSE_SORTS,
  warehouseNameTaken,
  warehouseStockCounts,
  type WarehouseJson,
} from './queries.js';
import { NAME_TAKEN, WAREHOUSE_STATUSES, warehouseCreate, warehouseUpdate } from './schemas.js';
import { createWarehouse, deleteWarehouses, updateWarehouse, type WarehouseInput } from './service.js';
import { LIST, showUrl, WarehouseForm, WarehousePage, WarehousesList } from './views.js';

const warehouseList = listQuery({
  sorts: WAREHOUSE_SORTS,
  defaultSort: 'name',
  statuses: WAREHOUSE_STATUSES,
  filters: { city_id: Type.String({ maxLength: 100 }) },
});

/** Shape, then the city and the name's uniqueness; an emptied name is refused on update. */
async function readWarehouse(web: FastifyInstance, req: FastifyRequest, before?: WarehouseJson): Promise<WarehouseInput> {
  const body = formBody(req);
  const v = before ? warehouseUpdate : warehouseCreate;
  const bag = new ErrorBag();
  const input = v.check(body, bag) as WarehouseInput;
  if (before && 'name' in body && input.name === undefined && !bag.has('name')) bag.add('name', messages.required('name'));
  if (input.city_id && !bag.has('city_id') && !(await cityExists(web.db, input.city_id))) bag.add('city_id', messages.invalid('city_id'));
  if (input.name && !bag.has('name') && (await warehouseNameTaken(web.db, input.name, before?.id))) bag.add('name', NAME_TAKEN);
  bag.throwIfAny(v.schema);
  return input;
}

export async function warehousesPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Warehouses', href: LIST, icon: 'warehouse', visible: warehousePolicy.can('view'), section: 'Stock' });

  const load = async (req: FastifyRequest<IdRoute>) => {
    const row = await findWarehouse(db, req.user!, req.params.id);
    if (!row) throw notFound();
    return row;
  };

  web.get(LIST, { config: { can: warehousePolicy.can('view') } }, async (req, reply) => {
    const page = await listWarehouses(db, req.user!, warehouseList(req));
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    return renderPage(req, reply, {
      title: 'Warehouses',
      body: <WarehousesList rows={page.rows} meta={page.meta} cities={await cityOptions(db)} />,
    });
  });

  web.get('/warehouses/create', { config: { can: warehousePolicy.can('create') } }, async (req, reply) =>
    renderFormPage(req, reply, {
      title: 'New warehouse',
      back: { href: LIST, label: 'Warehouses' },
      form: <WarehouseForm cities={await cityOptions(db)} />,
    }),
  );

  web.post('/warehouses/store', { config: { can: warehousePolicy.can('create') } }, async (req, reply) => {
    const input = await readWarehouse(web, req);
    const row = await db.tx(async (q) => (await findWarehouse(q, null, await createWarehouse(q, req.user!, input)))!);
    return done(req, reply, { message: 'Warehouse created.', redirect: showUrl(row.id), data: row, status: 201 });
  });

  web.get<IdRoute>('/warehouses/:id/show', { config: { can: warehousePolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    if (wantsJson(req)) return reply.send({ data: row });
    const managers = warehousePolicy.authorize(req.user!, 'update') ? await stockManagersOf(db, row.id) : null;
    return renderPage(req, reply, { title: row.name, body: <WarehousePage warehouse={row} managers={managers} /> });
  });

  web.get<IdRoute>('/warehouses/:id/edit', { config: { can: warehousePolicy.can('update') } }, async (req, reply) => {
    const row = await load(req);
    return renderFormPage(req, reply, {
      title: `Edit ${row.name}`,
      back: { href: showUrl(row.id), label: row.name },
      form: <WarehouseForm warehouse={row} cities={await cityOptions(db)} />,
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const before = await load(req);
    const input = await readWarehouse(web, req, before);
    const row = await db.tx(async (q) => {
      await updateWarehouse(q, req.user!, before, input);
      return (await findWarehouse(q, null, before.id))!;
    });
    return done(req, reply, { message: 'Warehouse updated.', redirect: showUrl(row.id), data: row });
  };
  updateRoutes<IdRoute>(route, '/warehouses/:id/update', { config: { can: warehousePolicy.can('update') } }, update);

  deleteRoute(web, {
    url: '/warehouses/delete',
    list: LIST,
    can: warehousePolicy.can('delete'),
    noun: ['warehouse'],
    audit: { action: 'warehouses.delete', type: 'warehouse' },
    remove: deleteWarehouses,
    refusal: async (ids, refused) => {
      if (!refused) return undefined;
      const used = (await warehouseStockCounts(db, ids)).map((u) => ({ name: u.name, uses: [u.stocks] }));
      const history =
        ids.length === 1
          ? 'This warehouse keeps the history of its deleted stocks and cannot be deleted; set it inactive instead.'
          : nothingDeleted(['Some of these warehouses keep the history of their stocks and cannot be deleted.']);
      return inUseMessage('warehouse', ids.length, used, [['stock']], history);
    },
  });
}
