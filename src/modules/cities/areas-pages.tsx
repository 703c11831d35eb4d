import type { IdRoute } from '../../web/types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { newId } from '../../lib/ids.js';
import { audit } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { listQuery } from '../../web/list-query.js';
import { queryText } from '../../web/query.js';
import type { PageMeta } from '../../db/paging.js';
import { renderPage } from '../../web/page.js';
import { usePage } from '../../web/page-context.js';
import { done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import { Button, Card, DataTable, DefinitionList, Field, Filters, Form, LinkButton, PageHeader, Select } from '../../web/ui.js';
import { DeleteButton, editDeleteColumns, listAfterDelete, ListFooter, selectColumns } from '../catalog/deletion.js';
import { deleteRoute } from '../catalog/named-records.js';
import { cityPolicy } from './policy.js';
import { AREA_SORTS, areaNameTaken, cityExists, cityOptions, findArea, listAreas, type AreaRow } from './queries.js';
import { areaBody, NAME_TAKEN } from './schemas.js';

const LIST = '/areas';
const cityUrl = (id: string) => `/cities/${id}/show`;
const areaList = listQuery({ sorts: AREA_SORTS, defaultSort: 'city', filters: { city_id: Type.String({ maxLength: 100 }) } });

function AreasList({ rows, meta, cities }: { rows: AreaRow[]; meta: PageMeta; cities: [string, string][] }) {
  const { user, url } = usePage();
  const admin = cityPolicy.authorize(user!, 'delete');
  const cityId = url.searchParams.get('city_id');
  return (
    <>
      <PageHeader
        title="Areas"
        subtitle="Districts of the cities, for addresses and delivery."
        back={{ href: '/cities', label: 'Cities' }}
        actions={
          cityPolicy.authorize(user!, 'create') && (
            <LinkButton href={cityId ? `/areas/create?city_id=${encodeURIComponent(cityId)}` : '/areas/create'}>New area</LinkButton>
          )
        }
      />
      <Filters search="Area name" searchLabel="Search by name">
        <Select name="city_id" label="City" options={cities} value={cityId} placeholder="Any city" />
      </Filters>
      <DataTable
        caption="Areas"
        rows={rows}
        empty="No area matches these filters."
        columns={[
          ...selectColumns(admin, 'areas-bulk', (r: AreaRow) => r.data),
          { label: 'Name', sort: 'name', render: (r) => r.data.name },
          { label: 'City', sort: 'city', render: (r) => <a href={cityUrl(r.data.city_id)}>{r.city_name}</a> },
          { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
          ...editDeleteColumns(
            admin,
            '/areas',
            (r: AreaRow) => r.data,
            (r) => `Delete the area ${r.data.name}?`,
          ),
        ]}
      />
      <ListFooter
        bulk={admin && { id: 'areas-bulk', action: '/areas/delete', confirm: 'Delete the selected areas?' }}
        rows={rows.length}
        meta={meta}
      />
    </>
  );
}

function AreaForm({ area, cities, cityId }: { area?: AreaRow; cities: [string, string][]; cityId?: string }) {
  return (
    <Card>
      <Form
        action={area ? `/areas/${area.data.id}/update` : '/areas/store'}
        method={area ? 'PATCH' : 'POST'}
        label={area ? 'Edit area' : 'New area'}
      >
        <Select
          name="city_id"
          label="City"
          options={cities}
          value={area?.data.city_id ?? cityId ?? null}
          placeholder="Choose a city"
          required
        />
        <Field name="name" label="Name" value={area?.data.name} required />
        <div class="form-actions">
          <Button>{area ? 'Save changes' : 'Create area'}</Button>
          <a href={area ? cityUrl(area.data.city_id) : LIST} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
    </Card>
  );
}

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
    return renderPage(req, reply, {
      title: 'New area',
      body: (
        <>
          <PageHeader title="New area" back={{ href: LIST, label: 'Areas' }} />
          <AreaForm cities={await cityOptions(db)} cityId={cityId} />
        </>
      ),
    });
  });

  web.post('/areas/store', { config: { can: cityPolicy.can('create') } }, async (req, reply) => {
    const input = await readArea(web, req);
    const row = await db.tx(async (q) => {
      const id = newId();
      await q.query('INSERT INTO areas (id, city_id, name) VALUES ($1, $2, $3)', [id, input.city_id, input.name]);
      await audit(q, req.user!, 'areas.create', { type: 'area', id }, { city_id: input.city_id, name: input.name });
      return (await findArea(q, id))!;
    });
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
    const { user } = req;
    return renderPage(req, reply, {
      title: row.data.name,
      body: (
        <>
          <PageHeader
            title={row.data.name}
            subtitle={`Area of ${row.city_name}`}
            back={{ href: cityUrl(row.data.city_id), label: row.city_name }}
            actions={
              cityPolicy.authorize(user!, 'update') && (
                <>
                  <LinkButton href={`/areas/${row.data.id}/edit`} kind="secondary">
                    Edit
                  </LinkButton>
                  <DeleteButton
                    action="/areas/delete"
                    id={row.data.id}
                    name={row.data.name}
                    confirm={`Delete the area ${row.data.name}?`}
                  />
                </>
              )
            }
          />
          <Card title="Details">
            <DefinitionList
              items={[
                ['Name', row.data.name],
                ['City', <a href={cityUrl(row.data.city_id)}>{row.city_name}</a>],
                ['Created', formatDateTime(row.data.created_at)],
                ['Last updated', formatDateTime(row.data.updated_at)],
              ]}
            />
          </Card>
        </>
      ),
    });
  });

  web.get<IdRoute>('/areas/:id/edit', { config: { can: cityPolicy.can('update') } }, async (req, reply) => {
    const row = await load(req);
    return renderPage(req, reply, {
      title: `Edit ${row.data.name}`,
      body: (
        <>
          <PageHeader title={`Edit ${row.data.name}`} back={{ href: cityUrl(row.data.city_id), label: row.city_name }} />
          <AreaForm area={row} cities={await cityOptions(db)} />
        </>
      ),
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const before = await load(req);
    const input = await readArea(web, req, before.data.id);
    const row = await db.tx(async (q) => {
      if (input.name !== before.data.name || input.city_id !== before.data.city_id) {
        await q.query('UPDATE areas SET city_id = $2, name = $3, updated_at = now() WHERE id = $1', [
          before.data.id,
          input.city_id,
          input.name,
        ]);
        await audit(
          q,
          req.user!,
          'areas.update',
          { type: 'area', id: before.data.id },
          {
            city_id: [before.data.city_id, input.city_id],
            name: [before.data.name, input.name],
          },
        );
      }
      return (await findArea(q, before.data.id))!;
    });
    return done(req, reply, { message: 'Area updated.', redirect: cityUrl(row.data.city_id), data: row.data });
  };
  const updateOpts = { config: { can: cityPolicy.can('update') } };
  route<IdRoute>('PATCH', '/areas/:id/update', updateOpts, update);
  route<IdRoute>('PUT', '/areas/:id/update', updateOpts, update);

  deleteRoute(web, {
    url: '/areas/delete',
    list: LIST,
    can: cityPolicy.can('delete'),
    noun: ['area'],
    audit: { action: 'areas.delete', type: 'area' },
    remove: async (q, ids) =>
      (
        await q.query<{ id: string; name: string; city_id: string }>(
          'DELETE FROM areas WHERE id = ANY($1::text[]) RETURNING id, name, city_id',
          [ids],
        )
      ).rows,
    // From a city's page, back to it; from the list, back to the list.
    redirect: (req) => {
      const back = listAfterDelete(req, LIST);
      const fromCity = (req.headers.referer ?? '').match(/\/cities\/[^/?#]+\/show/)?.[0];
      return back === LIST && fromCity ? fromCity : back;
    },
  });
}
