import type { PageMeta } from '../../db/paging.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { usePage } from '../../web/page-context.js';
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
  FilterSelect,
  Select,
  StatusBadge,
} from '../../web/ui.js';
import { DeleteButton, editDeleteColumns, ListFooter, selectColumns } from '../catalog/deletion.js';
import { warehousePolicy } from './policy.js';
import type { StockManager, WarehouseJson } from './queries.js';

export const LIST = '/warehouses';
export const showUrl = (id: string) => `/warehouses/${id}/show`;
const STATUS_OPTIONS: [string, string][] = [
  ['active', 'Active'],
  ['inactive', 'Inactive'],
];

export function WarehousesList({ rows, meta, cities }: { rows: { data: WarehouseJson }[]; meta: PageMeta; cities: [string, string][] }) {
  const { user } = usePage();
  const admin = warehousePolicy.authorize(user!, 'delete');
  return (
    <>
      <PageHeader
        title="Warehouses"
        subtitle={user!.role === 'stock-manager' ? 'The warehouses you manage.' : 'Where the stock is kept and orders leave from.'}
        actions={warehousePolicy.authorize(user!, 'create') && <LinkButton href="/warehouses/create">New warehouse</LinkButton>}
      />
      <Filters search="Name or address" searchLabel="Search by name or address">
        <FilterSelect name="city_id" label="City" options={cities} placeholder="Any city" />
        <FilterSelect name="status" label="Status" options={STATUS_OPTIONS} placeholder="Any status" />
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

export function WarehouseForm({ warehouse, cities }: { warehouse?: WarehouseJson; cities: [string, string][] }) {
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

export function WarehousePage({ warehouse: w, managers }: { warehouse: WarehouseJson; managers: StockManager[] | null }) {
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
