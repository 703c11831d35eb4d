import type { PageMeta } from '../../db/paging.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { usePage } from '../../web/page-context.js';
import { Card, DefinitionList, Field, Filters, PageHeader, FilterSelect, Select, StatusBadge, PhoneLink } from '../../web/ui.js';
import { RecordForm } from '../../web/record-form.js';
import { EditDeleteButtons } from '../catalog/deletion.js';
import { CatalogList } from '../catalog/catalog-list.js';
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
  return (
    <CatalogList
      policy={warehousePolicy}
      title="Warehouses"
      subtitle={user!.role === 'stock-manager' ? 'The warehouses you manage.' : 'Where the stock is kept and orders leave from.'}
      create={{ href: '/warehouses/create', label: 'New warehouse' }}
      filters={
        <Filters search="Name or address" searchLabel="Search by name or address">
          <FilterSelect name="city_id" label="City" options={cities} placeholder="Any city" />
          <FilterSelect name="status" label="Status" options={STATUS_OPTIONS} placeholder="Any status" />
        </Filters>
      }
      rows={rows}
      meta={meta}
      empty="No warehouse matches these filters."
      none="No warehouse yet."
      columns={[
        { label: 'Name', sort: 'name', render: (r) => <a href={showUrl(r.data.id)}>{r.data.name}</a> },
        { label: 'City', sort: 'city', render: (r) => r.data.city ?? '—' },
        { label: 'Address', render: (r) => r.data.address ?? '—' },
        { label: 'Phone', render: (r) => r.data.phone ?? '—' },
        { label: 'Status', sort: 'status', render: (r) => <StatusBadge status={r.data.status} /> },
        { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
      ]}
      deletion={{
        base: '/warehouses',
        form: 'warehouses-bulk',
        confirm: (r) => `Delete the warehouse ${r.data.name}?`,
        confirmAll: 'Delete the selected warehouses?',
      }}
    />
  );
}

export function WarehouseForm({ warehouse, cities }: { warehouse?: WarehouseJson; cities: [string, string][] }) {
  return (
    <RecordForm base={LIST} id={warehouse?.id} noun="warehouse" cancel={warehouse ? showUrl(warehouse.id) : LIST}>
      <div class="form-grid">
        <Field name="name" label="Name" value={warehouse?.name} required />
        <Select name="city_id" label="City" options={cities} value={warehouse?.city_id ?? null} placeholder="No city" />
        <Field name="address" label="Address" value={warehouse?.address} />
        <Field name="phone" label="Phone" type="tel" value={warehouse?.phone} autocomplete="off" />
        <Select name="status" label="Status" options={STATUS_OPTIONS} value={warehouse?.status ?? 'active'} />
      </div>
    </RecordForm>
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
        actions={admin && <EditDeleteButtons base={LIST} id={w.id} name={w.name} confirm={`Delete the warehouse ${w.name}?`} />}
      />
      <div class="grid-2">
        <Card title="Details">
          <DefinitionList
            items={[
              ['Status', <StatusBadge status={w.status} />],
              ['City', w.city_id ? <a href={`/cities/${w.city_id}/show`}>{w.city}</a> : (w.city ?? '—')],
              ['Address', w.address ?? '—'],
              ['Phone', w.phone ? <PhoneLink phone={w.phone} /> : '—'],
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
