import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { formBody } from '../../web/form-body.js';
import { listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { queryText } from '../../web/query.js';
import { renderPage } from '../../web/page.js';
import { renderFormPage } from '../../web/form-page.js';
import { done } from '../../web/respond.js';
import { formRoutes, updateRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute } from '../../web/types.js';
import { listAfterDelete } from '../catalog/deletion.js';
import { deleteRoute } from '../catalog/named-records.js';
import { AreaForm, AreaPage, AREAS as LIST, AreasList, cityUrl } from './areas-views.js';
import { cityPolicy } from './policy.js';
import { AREA_SORTS, areaNameTaken, cityExists, cityOptions, findArea, listAreas } from './queries.js';
import { areaBody, NAME_TAKEN } from './schemas.js';
import { createArea, deleteAreas, updateArea } from './service.js';

const areaList = listQuery({ sorts: AREA_SORTS, defaultSort: 'city', filters: { city_id: Type.String({ maxLength: 100 }) } });

/** City and name, checked: the city exists, the name is free in it. */
async function readArea(web: FastifyInstance, req: FastifyRequest, exceptId?: string) {
  const bag = new ErrorBag();
  const input = areaBody.check(formBody(req), bag);
  if (!bag.has('city_id') && !(await cityExists(web.db, input.city_id))) bag.add('city_id', messages.invalid('city_id'));
  if (!bag.has('city_id') && !bag.has('name') && (await areaNameTaken(web.db, input.city_id, input.name, exceptId)))
    bag.add('name', NAME_TAKEN);
  bag.throwIfAny(areaBody.schema);
  return input;
}

export async function areaPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Areas', href: LIST, icon: 'map-pin', visible: cityPolicy.can('view'), section: 'Catalog' });

  const load = async (req: FastifyRequest<IdRoute>) => {
    const row = await findArea(db, req.params.id);
    if (!row) throw notFound();
    return row;
  };

  web.get(LIST, { config: { can: cityPolicy.can('view') } }, async (req, reply) => {
    const page = await listAreas(db, areaList(req));
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    return renderPage(req, reply, { title: 'Areas', body: <AreasList rows={page.rows} meta={page.meta} cities={await cityOptions(db)} /> });
  });

  web.get('/areas/create', { config: { can: cityPolicy.can('create') } }, async (req, reply) => {
    const cityId = queryText(req, 'city_id');
    return renderFormPage(req, reply, {
      title: 'New area',
      back: { href: LIST, label: 'Areas' },
      form: <AreaForm cities={await cityOptions(db)} cityId={cityId} />,
    });
  });

  web.post('/areas/store', { config: { can: cityPolicy.can('create') } }, async (req, reply) => {
    const input = await readArea(web, req);
    const row = await db.tx(async (q) => (await findArea(q, await createArea(q, req.user!, input)))!);
    return done(req, reply, {
      message: `Area ${row.data.name} added to ${row.city_name}.`,
      redirect: cityUrl(row.data.city_id),
      data: row.data,
      status: 201,
    });
  });

  web.get<IdRoute>('/areas/:id/show', { config: { can: cityPolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    if (wantsJson(req)) return reply.send({ data: row.data });
    return renderPage(req, reply, { title: row.data.name, body: <AreaPage area={row} /> });
  });

  web.get<IdRoute>('/areas/:id/edit', { config: { can: cityPolicy.can('update') } }, async (req, reply) => {
    const row = await load(req);
    return renderFormPage(req, reply, {
      title: `Edit ${row.data.name}`,
      back: { href: cityUrl(row.data.city_id), label: row.city_name },
      form: <AreaForm area={row} cities={await cityOptions(db)} />,
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const before = await load(req);
    const input = await readArea(web, req, before.data.id);
    const row = await db.tx(async (q) => {
      await updateArea(q, req.user!, before.data, input);
      return (await findArea(q, before.data.id))!;
    });
    return done(req, reply, { message: 'Area updated.', redirect: cityUrl(row.data.city_id), data: row.data });
  };
  updateRoutes<IdRoute>(route, '/areas/:id/update', { config: { can: cityPolicy.can('update') } }, update);

  deleteRoute(web, {
    url: '/areas/delete',
    list: LIST,
    can: cityPolicy.can('delete'),
    noun: ['area'],
    audit: { action: 'areas.delete', type: 'area' },
    remove: deleteAreas,
    // From a city's page, back to it; from the list, back to the list.
    redirect: (req) => {
      const back = listAfterDelete(req, LIST);
      const fromCity = (req.headers.referer ?? '').match(/\/cities\/[^/?#]+\/show/)?.[0];
      return back === LIST && fromCity ? fromCity : back;
    },
  });
}
