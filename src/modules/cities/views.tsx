import type { PageMeta } from '../../db/paging.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { usePage } from '../../web/page-context.js';
import { Button, Card, DataTable, DefinitionList, Field, Filters, Form, LinkButton, PageHeader } from '../../web/ui.js';
import { count, DeleteButton, EditDeleteButtons } from '../catalog/deletion.js';
import { CatalogList } from '../catalog/catalog-list.js';
import { cityPolicy } from './policy.js';
import type { AreaJson, CityRow } from './queries.js';

const LIST = '/cities';
const showUrl = (id: string) => `/cities/${id}/show`;

export function CitiesList({ rows, meta }: { rows: CityRow[]; meta: PageMeta }) {
  return (
    <CatalogList
      policy={cityPolicy}
      title="Cities"
      subtitle="Where customers live and warehouses stand; each city has its areas."
      actions={
        <LinkButton href="/areas" kind="secondary">
          All areas
        </LinkButton>
      }
      create={{ href: '/cities/create', label: 'New city' }}
      filters={<Filters search="City name" searchLabel="Search by name" />}
      rows={rows}
      meta={meta}
      empty="No city yet."
      columns={[
        { label: 'Name', sort: 'name', render: (r) => <a href={showUrl(r.data.id)}>{r.data.name}</a> },
        { label: 'Areas', sort: 'areas', class: 'num', render: (r) => r.areas },
        { label: 'Warehouses', class: 'num', render: (r) => r.warehouses },
        { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
      ]}
      deletion={{
        base: '/cities',
        form: 'cities-bulk',
        confirm: (r) => `Delete ${r.data.name} and its ${count(r.areas, 'area')}?`,
        confirmAll: 'Delete the selected cities and their areas?',
      }}
    />
  );
}

export function CityPage({ city, areas }: { city: CityRow; areas: AreaJson[] }) {
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
            <EditDeleteButtons base="/cities" id={c.id} name={c.name} confirm={`Delete ${c.name} and its ${count(city.areas, 'area')}?`} />
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
