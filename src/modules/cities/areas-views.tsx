import type { PageMeta } from '../../db/paging.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { usePage } from '../../web/page-context.js';
import { Button, Card, DataTable, DefinitionList, Field, Filters, Form, LinkButton, PageHeader, Select } from '../../web/ui.js';
import { DeleteButton, editDeleteColumns, ListFooter, selectColumns } from '../catalog/deletion.js';
import { cityPolicy } from './policy.js';
import type { AreaRow } from './queries.js';

export const AREAS = '/areas';
export const cityUrl = (id: string) => `/cities/${id}/show`;

export function AreasList({ rows, meta, cities }: { rows: AreaRow[]; meta: PageMeta; cities: [string, string][] }) {
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

export function AreaForm({ area, cities, cityId }: { area?: AreaRow; cities: [string, string][]; cityId?: string }) {
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
          <a href={area ? cityUrl(area.data.city_id) : AREAS} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
    </Card>
  );
}

export function AreaPage({ area: row }: { area: AreaRow }) {
  const { user } = usePage();
  return (
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
              <DeleteButton action="/areas/delete" id={row.data.id} name={row.data.name} confirm={`Delete the area ${row.data.name}?`} />
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
  );
}
