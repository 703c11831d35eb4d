import type { PageMeta } from '../../db/paging.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { usePage } from '../../web/page-context.js';
import { Button, Card, DataTable, DefinitionList, Field, Filters, Form, PageHeader, Select, StatusBadge, TextArea } from '../../web/ui.js';
import { RecordForm } from '../../web/record-form.js';
import { Money } from '../../web/money.js';
import { JobProgress } from '../../web/job-progress.js';
import type { JobJson } from '../../jobs/registry.js';
import { EditDeleteButtons } from '../catalog/deletion.js';
import { CatalogList } from '../catalog/catalog-list.js';
import { ExportForm } from '../spreadsheets/views.js';
import { shippingCompanyPolicy } from './policy.js';
import type { CompanyJson } from './queries.js';

export const LIST = '/shipping-companies';
export const showUrl = (id: string) => `/shipping-companies/${id}/show`;
const STATUS_OPTIONS: [string, string][] = [
  ['active', 'Active'],
  ['inactive', 'Inactive'],
];
const ADAPTER_OPTIONS: [string, string][] = [
  ['manual', 'Manual (typed by hand)'],
  ['http', 'HTTP (courier protocol)'],
];
const adapterName = (a: string) => (a === 'http' ? 'HTTP' : 'Manual');
/** Blank city lines after the filled ones on the form. */
const BLANK_CITY_LINES = 3;

/** `{"LIVRE": "delivered"}` as the form's lines `LIVRE = delivered`. */
export const statusMapText = (map: Record<string, string> | undefined) =>
  Object.entries(map ?? {})
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');

export function CompaniesList({ rows, meta }: { rows: { data: CompanyJson }[]; meta: PageMeta }) {
  const { url, user } = usePage();
  return (
    <CatalogList
      policy={shippingCompanyPolicy}
      title="Shipping companies"
      subtitle="The couriers orders leave with, and what each charges per city."
      actions={shippingCompanyPolicy.authorize(user!, 'export') && <ExportForm records="shipping-companies" />}
      create={{ href: '/shipping-companies/create', label: 'New shipping company' }}
      filters={
        <Filters search="Name" searchLabel="Search by name">
          <Select
            name="adapter"
            label="Adapter"
            options={ADAPTER_OPTIONS.map(([v]) => [v, adapterName(v)])}
            value={url.searchParams.get('adapter')}
            placeholder="Any adapter"
          />
          <Select name="status" label="Status" options={STATUS_OPTIONS} value={url.searchParams.get('status')} placeholder="Any status" />
        </Filters>
      }
      rows={rows}
      meta={meta}
      empty="No shipping company matches these filters."
      none="No shipping company yet."
      columns={[
        { label: 'Name', sort: 'name', render: (r) => <a href={showUrl(r.data.id)}>{r.data.name}</a> },
        { label: 'Adapter', sort: 'adapter', render: (r) => adapterName(r.data.adapter) },
        { label: 'Cities', class: 'num', render: (r) => r.data.cities.length },
        { label: 'Status', sort: 'status', render: (r) => <StatusBadge status={r.data.status} /> },
        { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
      ]}
      deletion={{
        base: LIST,
        form: 'companies-bulk',
        confirm: (r) => `Delete the shipping company ${r.data.name}?`,
        confirmAll: 'Delete the selected shipping companies?',
      }}
    />
  );
}

export function CompanyForm({ company, cities, hasKey }: { company?: CompanyJson; cities: [string, string][]; hasKey?: boolean }) {
  const { old } = usePage();
  const submitted = Object.keys(old).length > 0;
  const lines = submitted ? (Array.isArray(old.cities) ? old.cities.length : 0) : (company?.cities.length ?? 0);
  return (
    <RecordForm base={LIST} id={company?.id} noun="shipping company" cancel={company ? showUrl(company.id) : LIST}>
      <div class="form-grid">
        <Field name="name" label="Name" value={company?.name} required />
        <Select name="adapter" label="Adapter" options={ADAPTER_OPTIONS} value={company?.adapter ?? 'manual'} required />
        <Select name="status" label="Status" options={STATUS_OPTIONS} value={company?.status ?? 'active'} />
      </div>
      <fieldset class="field fieldset">
        <legend>HTTP adapter</legend>
        <p class="hint">Only for the HTTP adapter: where the courier (or a bridge in front of it) answers the courier protocol.</p>
        <div class="form-grid">
          <Field name="base_url" label="Base URL" type="url" value={company?.base_url} placeholder="https://courier.example/api" />
          <Field
            name="api_key"
            label="API key"
            type="password"
            autocomplete="off"
            hint={
              hasKey ? 'A key is stored and is never shown again; leave this empty to keep it.' : 'Stored encrypted; never shown again.'
            }
          />
        </div>
        <TextArea name="status_map" label="Courier statuses" rows={4} value={statusMapText(company?.status_map)} />
        <p class="hint">
          One per line, the courier's status then what it means: <code>LIVRE = delivered</code>. Meanings: shipped, delivered, returned.
        </p>
      </fieldset>
      <fieldset class="field fieldset">
        <legend>Cities and fees</legend>
        <p class="hint">One line per city served, with the fee of a delivery and of a return. Leave a line empty to skip it.</p>
        {Array.from({ length: lines + BLANK_CITY_LINES }, (_, i) => {
          const line = company && !submitted ? company.cities[i] : undefined;
          return (
            <div class="form-grid">
              <Select
                name={`cities[${i}][city_id]`}
                label={`City ${i + 1}`}
                options={cities}
                value={line?.city_id ?? null}
                placeholder="Choose a city"
              />
              <Field
                name={`cities[${i}][delivery_fee]`}
                label={`Delivery fee ${i + 1}`}
                type="number"
                step="0.01"
                min="0"
                value={line?.delivery_fee}
              />
              <Field
                name={`cities[${i}][return_fee]`}
                label={`Return fee ${i + 1}`}
                type="number"
                step="0.01"
                min="0"
                value={line?.return_fee}
              />
            </div>
          );
        })}
      </fieldset>
    </RecordForm>
  );
}

export function CompanyPage({ company: c, hasKey, job }: { company: CompanyJson; hasKey: boolean; job?: JobJson }) {
  const { user } = usePage();
  const admin = shippingCompanyPolicy.authorize(user!, 'update');
  return (
    <>
      <PageHeader
        title={c.name}
        subtitle={`Shipping company, ${adapterName(c.adapter)} adapter`}
        back={{ href: LIST, label: 'Shipping companies' }}
        actions={
          admin && (
            <>
              {c.adapter === 'http' && (
                <Form action={`/shipping-companies/${c.id}/sync`} class="inline-form" label={`Sync ${c.name}`}>
                  <Button kind="secondary">Sync statuses now</Button>
                </Form>
              )}
              <EditDeleteButtons base={LIST} id={c.id} name={c.name} confirm={`Delete the shipping company ${c.name}?`} />
            </>
          )
        }
      />
      {job && (
        <Card title="Status sync">
          <JobProgress job={job} label="Syncing statuses" />
        </Card>
      )}
      <div class="grid-2">
        <Card title="Details">
          <DefinitionList
            items={[
              ['Status', <StatusBadge status={c.status} />],
              ['Adapter', adapterName(c.adapter)],
              ...(c.adapter === 'http'
                ? ([
                    ['Base URL', c.base_url ?? '—'],
                    ['API key', hasKey ? 'Stored (never shown)' : 'None'],
                    ['Courier statuses', statusMapText(c.status_map) || 'None mapped: every status is kept as an event'],
                  ] as [string, string][])
                : []),
              ['Created', formatDateTime(c.created_at)],
              ['Last updated', formatDateTime(c.updated_at)],
            ]}
          />
        </Card>
        <Card title="Cities and fees">
          {c.cities.length === 0 ? (
            <p class="muted">No city yet.</p>
          ) : (
            <DataTable
              caption={`Cities of ${c.name}`}
              rows={c.cities}
              columns={[
                { label: 'City', render: (x) => <a href={`/cities/${x.city_id}/show`}>{x.city}</a> },
                { label: 'Delivery fee', class: 'num', render: (x) => <Money value={x.delivery_fee} /> },
                { label: 'Return fee', class: 'num', render: (x) => <Money value={x.return_fee} /> },
              ]}
            />
          )}
        </Card>
      </div>
    </>
  );
}
