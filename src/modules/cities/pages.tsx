import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../http/errors.js';
import { ErrorBag } from '../../http/validation.js';
import { newId } from '../../lib/ids.js';
import { audit } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { listQuery } from '../../web/list-query.js';
import type { PageMeta } from '../../db/paging.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { usePage } from '../../web/page-context.js';
import { done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import { Button, Card, DataTable, DefinitionList, Field, Filters, Form, LinkButton, PageHeader } from '../../web/ui.js';
import { count, DeleteButton, editDeleteColumns, ListFooter, selectColumns } from '../catalog/deletion.js';
import { deleteRoute, inUseMessage } from '../catalog/named-records.js';
import { areaPages } from './areas-pages.js';
import { cityPolicy } from './policy.js';
import { areasOfCity, CITY_SORTS, citiesInUse, cityNameTaken, findCity, listCities, type AreaJson, type CityRow } from './queries.js';
import { cityBody, NAME_TAKEN } from './schemas.js';

const LIST = '/cities';
const showUrl = (id: string) => `/cities/${id}/show`;
const cityList = listQuery({ sorts: CITY_SORTS, defaultSort: 'name' });

function CitiesList({ rows, meta }: { rows: CityRow[]; meta: PageMeta }) {
  const { user } = usePage();
  const admin = cityPolicy.authorize(user!, 'delete');
  return (
    <>
      <PageHeader
        title="Cities"
        subtitle="Where customers live and warehouses stand; each city has its areas."
        actions={
          <>
            <LinkButton href="/areas" kind="secondary">
              All areas
            </LinkButton>
            {cityPolicy.authorize(user!, 'create') && <LinkButton href="/cities/create">New city</LinkButton>}
          </>
        }
      />
      <Filters search="City name" searchLabel="Search by name" />
      <DataTable
        caption="Cities"
        rows={rows}
        empty="No city yet."
        columns={[
          ...selectColumns(admin, 'cities-bulk', (r: CityRow) => r.data),
          { label: 'Name', sort: 'name', render: (r) => <a href={showUrl(r.data.id)}>{r.data.name}</a> },
          { label: 'Areas', sort: 'areas', class: 'num', render: (r) => r.areas },
          { label: 'Warehouses', class: 'num', render: (r) => r.warehouses },
          { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
          ...editDeleteColumns(
            admin,
            '/cities',
            (r: CityRow) => r.data,
            (r) => `Delete ${r.data.name} and its ${count(r.areas, 'area')}?`,
          ),
        ]}
      />
      <ListFooter
        bulk={admin && { id: 'cities-bulk', action: '/cities/delete', confirm: 'Delete the selected cities and their areas?' }}
        rows={rows.length}
        meta={meta}
      />
    </>
  );
}

function CityForm({ city }: { city?: CityRow }) {
  return (
    <Card>
      <Form
        action={city ? `/cities/${city.data.id}/update` : '/cities/store'}
        method={city ? 'PATCH' : 'POST'}
        label={city ? 'Edit city' : 'New city'}
      >
        <Field name="name" label="Name" value={city?.data.name} required />
        <div class="form-actions">
          <Button>{city ? 'Save changes' : 'Create city'}</Button>
          <a href={city ? showUrl(city.data.id) : LIST} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
    </Card>
  );
}

function CityPage({ city, areas }: { city: CityRow; areas: AreaJson[] }) {
  const { user } = usePage();
  const c = city.data;
  const admin = cityPolicy.authorize(user!, 'update');
  return (
    <>
      <PageHeader
        title={c.name}
        subtitle={`City · ${count(city.areas, 'area')} · ${count(city.warehouses, 'warehouse')}`}
        back={{ href: LIST, label: 'Cities' }}
        actions={
          admin && (
            <>
              <LinkButton href={`/cities/${c.id}/edit`} kind="secondary">
                Edit
              </LinkButton>
              <DeleteButton
                action="/cities/delete"
                id={c.id}
                name={c.name}
                confirm={`Delete ${c.name} and its ${count(city.areas, 'area')}?`}
              />
            </>
          )
        }
      />
      <div class="grid-2">
        <Card title="Areas">
          <DataTable
            caption={`Areas of ${c.name}`}
            rows={areas}
            empty="No area yet."
            columns={[
              { label: 'Name', render: (a) => a.name },
              ...(admin
                ? [
                    {
                      label: 'Actions',
                      render: (a: AreaJson) => (
                        <div class="row-actions">
                          <LinkButton href={`/areas/${a.id}/edit`} kind="secondary" small>
                            Edit
                          </LinkButton>
                          <DeleteButton action="/areas/delete" id={a.id} name={a.name} small confirm={`Delete the area ${a.name}?`} />
                        </div>
                      ),
                    },
                  ]
                : []),
            ]}
          />
        </Card>
        <div>
          {admin && (
            <Card title="Add an area">
              <Form action="/areas/store" label={`Add an area to ${c.name}`}>
                <input type="hidden" name="city_id" value={c.id} />
                <Field name="name" label="Area name" required />
                <div class="form-actions">
                  <Button>Add area</Button>
                </div>
              </Form>
            </Card>
          )}
          <Card title="Details">
            <DefinitionList
              items={[
                ['Name', c.name],
                ['Created', formatDateTime(c.created_at)],
                ['Last updated', formatDateTime(c.updated_at)],
              ]}
            />
          </Card>
        </div>
      </div>
    </>
  );
}

async function readName(web: FastifyInstance, req: FastifyRequest, exceptId?: string): Promise<string> {
  const bag = new ErrorBag();
  const input = cityBody.check(formBody(req), bag);
  if (!bag.has('name') && (await cityNameTaken(web.db, input.name, exceptId))) bag.add('name', NAME_TAKEN);
  bag.throwIfAny(cityBody.schema);
  return input.name;
}

export async function citiesPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Cities', href: LIST, icon: 'map-pin', visible: cityPolicy.can('view'), section: 'Catalog' });

  const load = async (req: FastifyRequest) => {
    const row = await findCity(db, (req.params as { id: string }).id);
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
    const name = await readName(web, req);
    const row = await db.tx(async (q) => {
      const id = newId();
      await q.query('INSERT INTO cities (id, name) VALUES ($1, $2)', [id, name]);
      await audit(q, req.user!, 'cities.create', { type: 'city', id }, { name });
      return (await findCity(q, id))!;
    });
    return done(req, reply, { message: 'City created.', redirect: showUrl(row.data.id), data: row.data, status: 201 });
  });

  web.get('/cities/:id/show', { config: { can: cityPolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    const areas = await areasOfCity(db, row.data.id);
    if (wantsJson(req)) return reply.send({ data: { ...row.data, areas } });
    return renderPage(req, reply, { title: row.data.name, body: <CityPage city={row} areas={areas} /> });
  });

  web.get('/cities/:id/edit', { config: { can: cityPolicy.can('update') } }, async (req, reply) => {
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

  const update = async (req: FastifyRequest, reply: FastifyReply) => {
    const before = await load(req);
    const name = await readName(web, req, before.data.id);
    const row = await db.tx(async (q) => {
      if (name !== before.data.name) {
        await q.query('UPDATE cities SET name = $2, updated_at = now() WHERE id = $1', [before.data.id, name]);
        // Warehouses keep their city's name readable in 0004's `city` column.
        await q.query('UPDATE warehouses SET city = $2 WHERE city_id = $1', [before.data.id, name]);
        await audit(q, req.user!, 'cities.update', { type: 'city', id: before.data.id }, { name: [before.data.name, name] });
      }
      return (await findCity(q, before.data.id))!;
    });
    return done(req, reply, { message: 'City updated.', redirect: showUrl(row.data.id), data: row.data });
  };
  const updateOpts = { config: { can: cityPolicy.can('update') } };
  route('PATCH', '/cities/:id/update', updateOpts, update);
  route('PUT', '/cities/:id/update', updateOpts, update);

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
    remove: async (q, ids) =>
      (await q.query<{ id: string; name: string }>('DELETE FROM cities WHERE id = ANY($1::text[]) RETURNING id, name', [ids])).rows,
  });

  await web.register(areaPages);
}
