import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Queryable } from '../../db/database.js';
import { notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
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
import {
  Button,
  Card,
  DataTable,
  DefinitionList,
  Field,
  Filters,
  Form,
  LinkButton,
  PageHeader,
  Select,
  StatusBadge,
} from '../../web/ui.js';
import { cityExists, cityOptions } from '../cities/queries.js';
import { DeleteButton, editDeleteColumns, ListFooter, selectColumns } from '../catalog/deletion.js';
import { deleteRoute, inUseMessage } from '../catalog/named-records.js';
import { warehousePolicy } from './policy.js';
import { findWarehouse, listWarehouses, WAREHOUSE_SORTS, warehouseNameTaken, warehouseStockCounts, type WarehouseJson } from './queries.js';
import { NAME_TAKEN, WAREHOUSE_STATUSES, warehouseCreate, warehouseUpdate } from './schemas.js';

const LIST = '/warehouses';
const showUrl = (id: string) => `/warehouses/${id}/show`;
const warehouseList = listQuery({
  sorts: WAREHOUSE_SORTS,
  defaultSort: 'name',
  statuses: WAREHOUSE_STATUSES,
  filters: { city_id: Type.String({ maxLength: 100 }) },
});
const STATUS_OPTIONS: [string, string][] = [
  ['active', 'Active'],
  ['inactive', 'Inactive'],
];

function WarehousesList({ rows, meta, cities }: { rows: { data: WarehouseJson }[]; meta: PageMeta; cities: [string, string][] }) {
  const { user, url } = usePage();
  const admin = warehousePolicy.authorize(user!, 'delete');
  return (
    <>
      <PageHeader
        title="Warehouses"
        subtitle={user!.role === 'stock-manager' ? 'The warehouses you manage.' : 'Where the stock is kept and orders leave from.'}
        actions={warehousePolicy.authorize(user!, 'create') && <LinkButton href="/warehouses/create">New warehouse</LinkButton>}
      />
      <Filters search="Name or address" searchLabel="Search by name or address">
        <Select name="city_id" label="City" options={cities} value={url.searchParams.get('city_id')} placeholder="Any city" />
        <Select name="status" label="Status" options={STATUS_OPTIONS} value={url.searchParams.get('status')} placeholder="Any status" />
      </Filters>
      <DataTable
        caption="Warehouses"
        rows={rows}
        empty="No warehouse matches these filters."
        columns={[
          ...selectColumns(admin, 'warehouses-bulk', (r: { data: WarehouseJson }) => r.data),
          { label: 'Name', sort: 'name', render: (r) => <a href={showUrl(r.data.id)}>{r.data.name}</a> },
          { label: 'City', sort: 'city', render: (r) => r.data.city ?? '—' },
          { label: 'Address', render: (r) => r.data.address ?? '—' },
          { label: 'Phone', render: (r) => r.data.phone ?? '—' },
          { label: 'Status', sort: 'status', render: (r) => <StatusBadge status={r.data.status} /> },
          { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
          ...editDeleteColumns(
            admin,
            '/warehouses',
            (r: { data: WarehouseJson }) => r.data,
            (r) => `Delete the warehouse ${r.data.name}?`,
          ),
        ]}
      />
      <ListFooter
        bulk={admin && { id: 'warehouses-bulk', action: '/warehouses/delete', confirm: 'Delete the selected warehouses?' }}
        rows={rows.length}
        meta={meta}
      />
    </>
  );
}

function WarehouseForm({ warehouse, cities }: { warehouse?: WarehouseJson; cities: [string, string][] }) {
  return (
    <Card>
      <Form
        action={warehouse ? `/warehouses/${warehouse.id}/update` : '/warehouses/store'}
        method={warehouse ? 'PATCH' : 'POST'}
        label={warehouse ? 'Edit warehouse' : 'New warehouse'}
      >
        <div class="form-grid">
          <Field name="name" label="Name" value={warehouse?.name} required />
          <Select name="city_id" label="City" options={cities} value={warehouse?.city_id ?? null} placeholder="No city" />
          <Field name="address" label="Address" value={warehouse?.address} />
          <Field name="phone" label="Phone" type="tel" value={warehouse?.phone} autocomplete="off" />
          <Select name="status" label="Status" options={STATUS_OPTIONS} value={warehouse?.status ?? 'active'} />
        </div>
        <div class="form-actions">
          <Button>{warehouse ? 'Save changes' : 'Create warehouse'}</Button>
          <a href={warehouse ? showUrl(warehouse.id) : LIST} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
    </Card>
  );
}

interface Manager {
  id: string;
  full_name: string;
  email: string;
}

function WarehousePage({ warehouse: w, managers }: { warehouse: WarehouseJson; managers: Manager[] | null }) {
  const { user } = usePage();
  const admin = warehousePolicy.authorize(user!, 'update');
  return (
    <>
      <PageHeader
        title={w.name}
        subtitle={w.city ? `Warehouse in ${w.city}` : 'Warehouse'}
        back={{ href: LIST, label: 'Warehouses' }}
        actions={
          admin && (
            <>
              <LinkButton href={`/warehouses/${w.id}/edit`} kind="secondary">
                Edit
              </LinkButton>
              <DeleteButton action="/warehouses/delete" id={w.id} name={w.name} confirm={`Delete the warehouse ${w.name}?`} />
            </>
          )
        }
      />
      <div class="grid-2">
        <Card title="Details">
          <DefinitionList
            items={[
              ['Status', <StatusBadge status={w.status} />],
              ['City', w.city_id ? <a href={`/cities/${w.city_id}/show`}>{w.city}</a> : (w.city ?? '—')],
              ['Address', w.address ?? '—'],
              ['Phone', w.phone ? <a href={`tel:${w.phone}`}>{w.phone}</a> : '—'],
              ['Created', formatDateTime(w.created_at)],
              ['Last updated', formatDateTime(w.updated_at)],
            ]}
          />
        </Card>
        {managers && (
          <Card title="Stock managers">
            {managers.length === 0 ? (
              <p class="muted">No stock manager manages this warehouse yet.</p>
            ) : (
              <ul class="plain-list">
                {managers.map((m) => (
                  <li>
                    <a href={`/users/stock-managers/${m.id}/show`}>{m.full_name}</a> <span class="muted">{m.email}</span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        )}
      </div>
    </>
  );
}

async function stockManagersOf(q: Queryable, warehouseId: string): Promise<Manager[]> {
  const { rows } = await q.query<Manager>(
    `SELECT id, full_name, email FROM users
      WHERE role = 'stock-manager' AND deleted_at IS NULL AND warehouses_ids_to_manage @> jsonb_build_array($1::text)
      ORDER BY lower(full_name), id`,
    [warehouseId],
  );
  return rows;
}

type WarehouseInput = { name?: string; city_id?: string | null; address?: string | null; phone?: string | null; status?: string };

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
  addNav({ label: 'Warehouses', href: LIST, icon: 'warehouse', visible: warehousePolicy.can('view'), section: 'Catalog' });

  const load = async (req: FastifyRequest) => {
    const row = await findWarehouse(db, req.user!, (req.params as { id: string }).id);
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
    renderPage(req, reply, {
      title: 'New warehouse',
      body: (
        <>
          <PageHeader title="New warehouse" back={{ href: LIST, label: 'Warehouses' }} />
          <WarehouseForm cities={await cityOptions(db)} />
        </>
      ),
    }),
  );

  web.post('/warehouses/store', { config: { can: warehousePolicy.can('create') } }, async (req, reply) => {
    const input = await readWarehouse(web, req);
    const row = await db.tx(async (q) => {
      const id = newId();
      await q.query(
        `INSERT INTO warehouses (id, name, city_id, city, address, phone, status)
           VALUES ($1, $2, $3, (SELECT name FROM cities WHERE id = $3), $4, $5, $6)`,
        [id, input.name, input.city_id ?? null, input.address ?? null, input.phone ?? null, input.status ?? 'active'],
      );
      await audit(q, req.user!, 'warehouses.create', { type: 'warehouse', id }, input);
      return (await findWarehouse(q, null, id))!;
    });
    return done(req, reply, { message: 'Warehouse created.', redirect: showUrl(row.id), data: row, status: 201 });
  });

  web.get('/warehouses/:id/show', { config: { can: warehousePolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    if (wantsJson(req)) return reply.send({ data: row });
    const managers = warehousePolicy.authorize(req.user!, 'update') ? await stockManagersOf(db, row.id) : null;
    return renderPage(req, reply, { title: row.name, body: <WarehousePage warehouse={row} managers={managers} /> });
  });

  web.get('/warehouses/:id/edit', { config: { can: warehousePolicy.can('update') } }, async (req, reply) => {
    const row = await load(req);
    return renderPage(req, reply, {
      title: `Edit ${row.name}`,
      body: (
        <>
          <PageHeader title={`Edit ${row.name}`} back={{ href: showUrl(row.id), label: row.name }} />
          <WarehouseForm warehouse={row} cities={await cityOptions(db)} />
        </>
      ),
    });
  });

  const update = async (req: FastifyRequest, reply: FastifyReply) => {
    const before = await load(req);
    const input = await readWarehouse(web, req, before);
    const next = {
      name: input.name ?? before.name,
      city_id: 'city_id' in input ? (input.city_id ?? null) : before.city_id,
      address: 'address' in input ? (input.address ?? null) : before.address,
      phone: 'phone' in input ? (input.phone ?? null) : before.phone,
      status: input.status ?? before.status,
    };
    const changes = Object.fromEntries(
      (Object.keys(next) as (keyof typeof next)[]).filter((k) => next[k] !== before[k]).map((k) => [k, [before[k], next[k]]]),
    );
    const row = await db.tx(async (q) => {
      if (Object.keys(changes).length > 0) {
        await q.query(
          `UPDATE warehouses SET name = $2, city_id = $3, city = CASE WHEN $3::text IS NULL THEN NULL ELSE (SELECT name FROM cities WHERE id = $3) END,
                    address = $4, phone = $5, status = $6, updated_at = now() WHERE id = $1`,
          [before.id, next.name, next.city_id, next.address, next.phone, next.status],
        );
        await audit(q, req.user!, 'warehouses.update', { type: 'warehouse', id: before.id }, changes);
      }
      return (await findWarehouse(q, null, before.id))!;
    });
    return done(req, reply, { message: 'Warehouse updated.', redirect: showUrl(row.id), data: row });
  };
  const updateOpts = { config: { can: warehousePolicy.can('update') } };
  route('PATCH', '/warehouses/:id/update', updateOpts, update);
  route('PUT', '/warehouses/:id/update', updateOpts, update);

  deleteRoute(web, {
    url: '/warehouses/delete',
    list: LIST,
    can: warehousePolicy.can('delete'),
    noun: ['warehouse'],
    audit: { action: 'warehouses.delete', type: 'warehouse' },
    remove: async (q, ids) => {
      // Stock managers stop managing it; stocks (migration 0007) refuse the delete by their foreign key.
      await q.query(
        `UPDATE users u SET warehouses_ids_to_manage = (
             SELECT coalesce(jsonb_agg(t.e ORDER BY t.i), '[]'::jsonb)
               FROM jsonb_array_elements(u.warehouses_ids_to_manage) WITH ORDINALITY AS t(e, i)
              WHERE NOT (t.e #>> '{}' = ANY($1::text[]))),
           updated_at = now()
         WHERE u.warehouses_ids_to_manage ?| $1::text[]`,
        [ids],
      );
      return (await q.query<{ id: string; name: string }>('DELETE FROM warehouses WHERE id = ANY($1::text[]) RETURNING id, name', [ids]))
        .rows;
    },
    refusal: async (ids, refused) => {
      if (!refused) return undefined;
      const used = (await warehouseStockCounts(db, ids)).map((u) => ({ name: u.name, uses: u.stocks }));
      const history =
        ids.length === 1
          ? 'This warehouse keeps the history of its deleted stocks and cannot be deleted; set it inactive instead.'
          : 'Some of these warehouses keep the history of their stocks and cannot be deleted. Nothing was deleted.';
      return inUseMessage('warehouse', ids.length, used, ['stock'], history);
    },
  });
}
