import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../http/errors.js';
import { listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute } from '../../web/types.js';
import { PageHeader } from '../../web/ui.js';
import { deleteRoute, inUseMessage, readUniqueName } from '../catalog/named-records.js';
import { areaPages } from './areas-pages.js';
import { cityPolicy } from './policy.js';
import { areasOfCity, CITY_SORTS, citiesInUse, cityNameTaken, findCity, listCities } from './queries.js';
import { cityBody } from './schemas.js';
import { createCity, deleteCities, renameCity } from './service.js';
import { CitiesList, CityForm, CityPage, LIST, showUrl } from './views.js';

const cityList = listQuery({ sorts: CITY_SORTS, defaultSort: 'name' });

export async function citiesPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Cities', href: LIST, icon: 'map-pin', visible: cityPolicy.can('view'), section: 'Catalog' });

  const load = async (req: FastifyRequest<IdRoute>) => {
    const row = await findCity(db, req.params.id);
    if (!row) throw notFound();
    return row;
  };

  web.get(LIST, { config: { can: cityPolicy.can('view') } }, async (req, reply) => {
    const page = await listCities(db, cityList(req));
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    return renderPage(req, reply, { title: 'Cities', body: <CitiesList rows={page.rows} meta={page.meta} /> });
  });

  web.get('/cities/create', { config: { can: cityPolicy.can('create') } }, async (req, reply) =>
    renderPage(req, reply, {
      title: 'New city',
      body: (
        <>
          <PageHeader title="New city" subtitle="Add its areas once it exists." back={{ href: LIST, label: 'Cities' }} />
          <CityForm />
        </>
      ),
    }),
  );

  web.post('/cities/store', { config: { can: cityPolicy.can('create') } }, async (req, reply) => {
    const name = await readUniqueName(req, cityBody, (n) => cityNameTaken(db, n));
    const row = await db.tx(async (q) => (await findCity(q, await createCity(q, req.user!, name)))!);
    return done(req, reply, { message: 'City created.', redirect: showUrl(row.data.id), data: row.data, status: 201 });
  });

  web.get<IdRoute>('/cities/:id/show', { config: { can: cityPolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    const areas = await areasOfCity(db, row.data.id);
    if (wantsJson(req)) return reply.send({ data: { ...row.data, areas } });
    return renderPage(req, reply, { title: row.data.name, body: <CityPage city={row} areas={areas} /> });
  });

  web.get<IdRoute>('/cities/:id/edit', { config: { can: cityPolicy.can('update') } }, async (req, reply) => {
    const row = await load(req);
    return renderPage(req, reply, {
      title: `Edit ${row.data.name}`,
      body: (
        <>
          <PageHeader title={`Edit ${row.data.name}`} back={{ href: showUrl(row.data.id), label: row.data.name }} />
          <CityForm city={row} />
        </>
      ),
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const before = await load(req);
    const name = await readUniqueName(req, cityBody, (n) => cityNameTaken(db, n, before.data.id));
    const row = await db.tx(async (q) => {
      await renameCity(q, req.user!, before.data, name);
      return (await findCity(q, before.data.id))!;
    });
    return done(req, reply, { message: 'City updated.', redirect: showUrl(row.data.id), data: row.data });
  };
  const updateOpts = { config: { can: cityPolicy.can('update') } };
  route<IdRoute>('PATCH', '/cities/:id/update', updateOpts, update);
  route<IdRoute>('PUT', '/cities/:id/update', updateOpts, update);

  deleteRoute(web, {
    url: '/cities/delete',
    list: LIST,
    can: cityPolicy.can('delete'),
    noun: ['city', 'cities'],
    audit: { action: 'cities.delete', type: 'city' },
    refusal: async (ids, refused) => {
      const used = (await citiesInUse(db, ids)).map((u) => ({ name: u.name, uses: u.warehouses }));
      return used.length > 0 || refused ? inUseMessage('city', ids.length, used, ['warehouse']) : undefined;
    },
    remove: deleteCities,
  });

  await web.register(areaPages);
}
