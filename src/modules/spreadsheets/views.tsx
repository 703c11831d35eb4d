import type { JobJson } from '../../jobs/registry.js';
import { JobProgress } from '../../web/job-progress.js';
import { usePage } from '../../web/page-context.js';
import { Button, Card, Field, FieldErrorList, Form, PageHeader, Select } from '../../web/ui.js';

export type Records = 'leads' | 'orders';
/** The lists with an export, by their path (`POST /{path}/export`). */
export type Exported = Records | 'shipping-companies';
const FORMATS: [string, string][] = [
  ['csv', 'CSV'],
  ['xlsx', 'Excel (XLSX)'],
];

/**
 * The list page's export button: the list as it is filtered now (its query string), as CSV or XLSX;
 * a refused format (a tampered form) comes back beside the select.
 */
export function ExportForm({ records }: { records: Exported }) {
  const { url, csrf, errors } = usePage();
  const params = new URLSearchParams(url.search);
  params.delete('page');
  const query = params.toString();
  const id = `export-format-${records}`;
  const messages = errors.of('format');
  return (
    <form
      method="post"
      action={`/${records}/export${query ? `?${query}` : ''}`}
      class={messages.length ? 'inline-form export-form has-error' : 'inline-form export-form'}
      aria-label={`Export ${records.replace('-', ' ')}`}
    >
      <input type="hidden" name="_token" value={csrf} />
      <label class="export-format-label" for={id}>
        File format
      </label>
      <select
        name="format"
        id={id}
        aria-invalid={messages.length ? 'true' : undefined}
        aria-describedby={messages.length ? `${id}-error` : undefined}
      >
        {FORMATS.map(([v, l]) => (
          <option value={v}>{l}</option>
        ))}
      </select>
      <button type="submit" class="btn btn-secondary">
        Export
      </button>
      <FieldErrorList id={id} messages={messages} />
    </form>
  );
}

/** GET /leads/import (and orders): the upload form, the templates, and the last import's progress. */
export function ImportPage(p: {
  records: Records;
  columns: readonly string[];
  required: readonly string[];
  accounts?: [string, string][];
  job?: JobJson;
  /** The templates' example SKU, and whether it is one of the account's products. */
  example: { sku: string; own: boolean };
}) {
  const noun = p.records === 'leads' ? 'lead' : 'order';
  return (
    <>
      <PageHeader
        title={`Import ${p.records}`}
        subtitle={`A CSV or Excel file, one row per product line; rows with the same lead_key form one ${noun}. All rows are imported, or none.`}
        back={{ href: `/${p.records}`, label: p.records === 'leads' ? 'Leads' : 'Orders' }}
      />
      {p.job && (
        <Card title="Last import">
          <JobProgress job={p.job} label={`Importing ${p.records}`} />
        </Card>
      )}
      <Card title="Upload">
        <Form action={`/${p.records}/import`} multipart label={`Import ${p.records}`}>
          <div class="form-grid">
            {p.accounts && <Select name="account_id" label="Account" options={p.accounts} placeholder="Choose an account" required />}
            <Field
              name="file"
              type="file"
              label="File (CSV or XLSX, up to 20 MB and 100,000 rows)"
              hint={`Columns: ${p.columns.join(', ')} (required: ${p.required.join(', ')}).`}
              required
            />
          </div>
          <div class="form-actions">
            <Button>Import</Button>
          </div>
        </Form>
        <p>
          Templates: <a href={`/${p.records}/import/template.csv`}>CSV</a> · <a href={`/${p.records}/import/template.xlsx`}>Excel</a>.{' '}
          {p.example.own
            ? `Their example row names your product ${p.example.sku}: it imports as it is.`
            : `Their example row names ${p.example.sku}, a placeholder: write the SKU of one of the account's active products.`}
        </p>
      </Card>
    </>
  );
}
