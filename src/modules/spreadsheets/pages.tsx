import { queryRecord } from '../../web/query.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { enqueue } from '../../jobs/enqueue.js';
import { smallSheet, type SheetFormat } from '../../files/sheets.js';
import { actorOfUser } from '../../web/actor.js';
import { formBody } from '../../web/form-body.js';
import { renderPage } from '../../web/page.js';
import { done } from '../../web/respond.js';
import { wantsJson } from '../../web/scope.js';
import { canSeeJob } from '../jobs/policy.js';
import { visibleJob } from '../jobs/queries.js';
import { leadPolicy } from '../leads/policy.js';
import { leadListFilters } from '../leads/pages.js';
import { orderPolicy } from '../orders/policy.js';
import { orderListFilters } from '../orders/pages.js';
import { companyListFilters } from '../shipping-companies/pages.js';
import { shippingCompanyPolicy } from '../shipping-companies/policy.js';
import type { Principal } from '../../core/policy.js';
import { accountChoices } from '../accounts/queries.js';
import { accountExists } from '../accounts/service.js';
import { isStaff } from '../records/record-routes.js';
import { exampleSku } from '../products/lookup.js';
import { Upload, multipartForms } from '../settings/uploads.js';
import { EXPORTS, type ExportPayload, type ExportTable } from './exports.js';
import { IMPORTS } from './import-kinds.js';
import { findExport } from './queries.js';
import { ImportPage, type Records } from './views.js';

/** An import file's limit (webhooks-files.md). */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
const FORMATS = ['csv', 'xlsx'] as const;

/** CSV or XLSX by the file's bytes (an XLSX is a zip: `PK\x03\x04`), else by its name; undefined for anything else. */
function formatOf(file: Upload): SheetFormat | undefined {
  const zip = file.data.length >= 4 && file.data.readUInt32BE(0) === 0x504b0304;
  const ext = file.filename.toLowerCase().split('.').pop();
  if (zip) return ext === 'csv' ? undefined : 'xlsx';
  if (ext === 'csv' || ext === 'txt' || /^text\//.test(file.mimetype)) return file.data.includes(0) ? undefined : 'csv';
  return undefined;
}

const policyOf = (records: Records) => (records === 'leads' ? leadPolicy : orderPolicy);

/** What an export job is given besides its table and format: the list's scope (if any) and filters, read as the list reads them. */
type ExportSelection = Omit<ExportPayload, 'table' | 'format'>;

/**
 * `POST /{table}/export` (webhooks-files.md): `format` required and csv or xlsx, the list's own
 * filters from the query string (or the body), one export job of the user; JSON gets 202 `{"data":{"job_id"}}`,
 * a form the job's page.
 */
function exportRoute(
  web: FastifyInstance,
  table: ExportTable,
  p: { can: (who: Principal) => boolean; noun: string; selection: (req: FastifyRequest) => ExportSelection | Promise<ExportSelection> },
) {
  web.post(`/${table}/export`, { config: { can: p.can } }, async (req, reply) => {
    const { format: sent, ...bodyFilters } = formBody(req);
    const asked = sent ?? queryRecord(req).format;
    const bag = new ErrorBag();
    if (asked === undefined || asked === null || asked === '') bag.add('format', messages.required('format'));
    else if (!FORMATS.includes(asked as SheetFormat)) bag.add('format', messages.invalid('format'));
    // The list's filters are read from the body too, as `format` is, the body's first: a JSON client's
    // `{"format":"csv","status":"confirmed"}` exported every lead (webhooks-files audit).
    req.query = { ...queryRecord(req), ...bodyFilters };
    const selection = await p.selection(req);
    bag.throwIfAny();
    const payload = { table, ...selection, format: asked as SheetFormat } as ExportPayload;
    const jobId = await web.db.tx((q) => enqueue(q, EXPORTS[table].kind, payload, { userId: req.user!.id }));
    if (wantsJson(req)) return reply.code(202).send({ data: { job_id: jobId } });
    return done(req, reply, { message: `Exporting the ${p.noun}.`, redirect: `/jobs/${jobId}` });
  });
}

/**
 * Imports and exports of leads and orders, and the export of shipping companies (webhooks-files.md):
 * uploads become import jobs, filtered lists become export jobs, and an export's file is downloaded
 * by the user who asked (or an admin).
 */
export async function spreadsheetPages(web: FastifyInstance) {
  // Only this plugin's routes take multipart forms (the import file).
  await multipartForms(web, { maxFileBytes: MAX_IMPORT_BYTES });
  const { db, files } = web;
  /** The templates' example SKU: one of the seller's active products, so the template imports unchanged (staff: the placeholder). */
  const templateSku = (req: FastifyRequest) => (req.user!.account_id ? exampleSku(db, req.user!.account_id) : Promise.resolve(undefined));

  for (const records of ['leads', 'orders'] as const) {
    const { spec, job: importJob } = IMPORTS[records];
    const policy = policyOf(records);
    const canImport = { config: { can: policy.can('import') } };

    web.get<{ Querystring: { job?: string } }>(`/${records}/import`, canImport, async (req, reply) => {
      const job = await visibleJob(db, req.user!, req.query.job);
      const accounts = isStaff(req.user!) ? (await accountChoices(db)).map((a): [string, string] => [a.id, a.name]) : undefined;
      const sku = await templateSku(req);
      return renderPage(req, reply, {
        title: `Import ${records}`,
        body: (
          <ImportPage
            records={records}
            columns={spec.columns}
            required={spec.required}
            accounts={accounts}
            job={job}
            example={{ sku: sku ?? spec.example.sku, own: sku !== undefined }}
          />
        ),
      });
    });

    for (const format of FORMATS) {
      web.get(`/${records}/import/template.${format}`, canImport, async (req, reply) => {
        const example: Record<string, string> = { ...spec.example, sku: (await templateSku(req)) ?? spec.example.sku };
        // In an XLSX the counts and amounts are numbers; every other column is Text, so that a phone
        // typed in a new row keeps its 0 (Excel made 0612345678 the number 612345678).
        const figure = (c: string) => spec.figures.includes(c);
        const cells = spec.columns.map((c) => (format === 'xlsx' && figure(c) && example[c] ? Number(example[c]) : (example[c] ?? '')));
        const body = await smallSheet(
          format,
          [...spec.columns],
          [cells],
          records,
          spec.columns.filter((c) => !figure(c)),
        );
        return reply
          .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="${records}-import-template.${format}"`)
          .send(body);
      });
    }

    web.post(`/${records}/import`, canImport, async (req, reply) => {
      const user = req.user!;
      const body = formBody(req);
      const { file, ...kept } = body;
      req.body = kept; // a file never goes back into the session as old input; the chosen account does
      const bag = new ErrorBag();
      let accountId = user.account_id ?? '';
      if (isStaff(user)) {
        const id = body.account_id;
        if (typeof id !== 'string' || id.trim() === '') bag.add('account_id', messages.required('account_id'));
        else if (!(await accountExists(db, id))) bag.add('account_id', messages.invalid('account_id'));
        else accountId = id;
      }
      let format: SheetFormat | undefined;
      if (!(file instanceof Upload))
        bag.add('file', file === undefined || file === '' ? messages.required('file') : 'The file field must be a file.');
      else if (file.truncated) bag.add('file', `The file field must not be greater than ${MAX_IMPORT_BYTES / 1024} kilobytes.`);
      else if (!(format = formatOf(file))) bag.add('file', 'The file field must be a file of type: csv, xlsx.');
      bag.throwIfAny();
      const upload = file as Upload;
      const fileKey = `imports/${randomUUID()}.${format}`;
      await files.put(fileKey, Readable.from([upload.data]));
      let jobId: string;
      try {
        jobId = await db.tx((q) =>
          enqueue(q, importJob.kind, { accountId, actor: actorOfUser(user), fileKey, format }, { userId: user.id }),
        );
      } catch (err) {
        await files.delete(fileKey);
        throw err;
      }
      if (wantsJson(req)) return reply.code(202).send({ data: { job_id: jobId } });
      return done(req, reply, { message: `Importing ${upload.filename || 'the file'}.`, redirect: `/${records}/import?job=${jobId}` });
    });

    exportRoute(web, records, {
      can: policy.can('export'),
      noun: records,
      selection: async (req) => {
        const { scope, f } = records === 'leads' ? await leadListFilters(db, req) : orderListFilters(req);
        return { scope, filters: { ...f, page: undefined, per_page: undefined } } as ExportSelection;
      },
    });
  }

  exportRoute(web, 'shipping-companies', {
    can: shippingCompanyPolicy.can('export'),
    noun: 'shipping companies',
    selection: (req) => ({ filters: companyListFilters(req) }),
  });

  web.get<{ Params: { id: string } }>('/exports/:id/download', async (req, reply) => {
    const found = await findExport(db, req.params.id);
    if (!found || !canSeeJob(req.user!, found.user_id)) throw notFound();
    const file = await files.get(found.file_key);
    if (!file) throw notFound();
    const name = found.file_key.slice(found.file_key.lastIndexOf('/') + 1);
    return reply
      .type(file.type)
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `attachment; filename="export-${name}"`)
      .header('x-content-type-options', 'nosniff')
      .header('content-length', file.size)
      .send(file.stream);
  });
}
