import type { PageMeta } from '../../db/paging.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { usePage } from '../../web/page-context.js';
import { Card, DefinitionList, Field, Filters, PageHeader, Select } from '../../web/ui.js';
import { RecordForm } from '../../web/record-form.js';
import { EditDeleteButtons } from '../catalog/deletion.js';
import { CatalogList } from '../catalog/catalog-list.js';
import { cityPolicy } from './policy.js';
import type { AreaRow } from './queries.js';

export const AREAS = '/areas';
export const cityUrl = (id: string) => `/cities/${id}/show`;

export function AreasList({ rows, meta, cities }: { rows: AreaRow[]; meta: PageMeta; cities: [string, string][] }) {
  const { url } = usePage();
  const cityId = url.searchParams.get('city_id');
  return (
    <CatalogList
      policy={cityPolicy}
      title="Areas"
      subtitle="Districts of the cities, for addresses and delivery."
      back={{ href: '/cities', label: 'Cities' }}
      create={{ href: cityId ? `/areas/create?city_id=${encodeURIComponent(cityId)}` : '/areas/create', label: 'New area' }}
      filters={
        <Filters search="Area name" searchLabel="Search by name">
          <Select name="city_id" label="City" options={cities} value={cityId} placeholder="Any city" />
        </Filters>
      }
      rows={rows}
      meta={meta}
      empty="No area matches these filters."
      none="No area yet."
      columns={[
        { label: 'Name', sort: 'name', render: (r) => r.data.name },
        { label: 'City', sort: 'city', render: (r) => <a href={cityUrl(r.data.city_id)}>{r.city_name}</a> },
        { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
      ]}
      deletion={{
        base: '/areas',
        form: 'areas-bulk',
        confirm: (r) => `Delete the area ${r.data.name}?`,
        confirmAll: 'Delete the selected areas?',
      }}
    />
  );
}

export function AreaForm({ area, cities, cityId }: { area?: AreaRow; cities: [string, string][]; cityId?: string }) {
  return (
    <RecordForm base="/areas" id={area?.data.id} noun="area" cancel={area ? cityUrl(area.data.city_id) : AREAS}>
      <Select
        name="city_id"
        label="City"
        options={cities}
        value={area?.data.city_id ?? cityId ?? null}
        placeholder="Choose a city"
        required
      />
      <Field name="name" label="Name" value={area?.data.name} required />
    </RecordForm>
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
            <EditDeleteButtons base="/areas" id={row.data.id} name={row.data.name} confirm={`Delete the area ${row.data.name}?`} />
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
