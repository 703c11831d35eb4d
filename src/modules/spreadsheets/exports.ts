import { sheetWriter, type SheetCell, type SheetFormat } from '../../files/sheets.js';
import type { Queryable } from '../../db/database.js';
import { enqueue } from '../../jobs/enqueue.js';
import { defineJob, FinalJobError, type JobContext } from '../../jobs/registry.js';
import { leadExportBatch, leadExportCount, type LeadExportRow, type LeadFilters, type LeadScope } from '../leads/queries.js';
import { orderExportBatch, orderExportCount, type OrderExportRow, type OrderFilters, type OrderScope } from '../orders/queries.js';
import { companyExportBatch, companyExportCount, type CompanyExportRow, type CompanyFilters } from '../shipping-companies/queries.js';
import { deleteExports, expiredExports, recordExport } from './queries.js';

export type ExportPayload =
  | { table: 'leads'; scope: LeadScope; filters: LeadFilters; format: SheetFormat }
  | { table: 'orders'; scope: OrderScope; filters: OrderFilters; format: SheetFormat }
  | { table: 'shipping-companies'; filters: CompanyFilters; format: SheetFormat };
export type ExportTable = ExportPayload['table'];

/** Records per keyset batch: the memory of an export, whatever its size. */
const BATCH = 1000;
/** Exported files are kept this long (webhooks-files.md). */
export const EXPORT_DAYS = 7;

/** webhooks-files.md: a record's reference, status and customer, then its place and product line. */
const RECORD = ['reference', 'status', 'full_name', 'phone'] as const;
const LINE = ['city', 'area', 'address', 'sku', 'name', 'quantity', 'price', 'total', 'created_at'] as const;
const LEAD_COLUMNS = [...RECORD, ...LINE] as const;
// An order's customer has an email besides the lead's fields (api-v1.md's order body).
const ORDER_COLUMNS = [...RECORD, 'email', ...LINE, 'tracking_number', 'shipping_company', 'delivered_at'] as const;
// A company per row, as its pages show it; never its API key (docs/decisions.md).
const COMPANY_COLUMNS = ['id', 'name', 'adapter', 'status', 'base_url', 'cities', 'created_at', 'updated_at'] as const;

export const exportUrl = (id: string) => `/exports/${id}/download`;
export const exportKey = (id: string, format: SheetFormat) => `exports/${id}.${format}`;

type PayloadOf<T extends ExportTable> = Extract<ExportPayload, { table: T }>;

/** A list an export reads: its columns, its count, and its keyset batches of rows. */
interface Source<R, T extends ExportTable = ExportTable> {
  /** The XLSX worksheet's name. */
  sheet: string;
  columns: readonly (keyof R & string)[];
  count(db: Queryable, p: PayloadOf<T>): Promise<number>;
  batch(db: Queryable, p: PayloadOf<T>, after: string): Promise<R[]>;
}

const LEADS: Source<LeadExportRow, 'leads'> = {
  sheet: 'Leads',
  columns: LEAD_COLUMNS,
  count: (db, p) => leadExportCount(db, p.scope, p.filters),
  batch: (db, p, after) => leadExportBatch(db, p.scope, p.filters, after, BATCH),
};
const ORDERS: Source<OrderExportRow, 'orders'> = {
  sheet: 'Orders',
  columns: ORDER_COLUMNS,
  count: (db, p) => orderExportCount(db, p.scope, p.filters),
  batch: (db, p, after) => orderExportBatch(db, p.scope, p.filters, after, BATCH),
};
const COMPANIES: Source<CompanyExportRow, 'shipping-companies'> = {
  sheet: 'Shipping companies',
  columns: COMPANY_COLUMNS,
  count: (db, p) => companyExportCount(db, p.filters),
  batch: (db, p, after) => companyExportBatch(db, p.filters, after, BATCH),
};
const SOURCES = { leads: LEADS, orders: ORDERS, 'shipping-companies': COMPANIES } as const;

/**
 * Writes the list as a stream into the file store: a keyset batch of records at a time, each batch
 * written (with back-pressure) before the next is read, so memory stays flat whatever the count.
 * Monetary columns and quantities are numbers (XLSX cells of type number).
 */
async function writeExport<R extends { id: string }>(ctx: JobContext<ExportPayload>, source: Source<R>): Promise<number> {
  const { format } = ctx.payload;
  const writer = await sheetWriter(format, [...source.columns], source.sheet);
  const stored = ctx.files.put(exportKey(ctx.id, format), writer.output);
  stored.catch(() => undefined); // awaited below; a failure of the writer side comes first
  let rows = 0;
  try {
    let after = '';
    for (;;) {
      ctx.signal.throwIfAborted();
      const batch = await source.batch(ctx.db, ctx.payload, after);
      if (batch.length === 0) break;
      await writer.write(batch.map((r) => source.columns.map((c) => (r[c] ?? null) as SheetCell)));
      const records = new Set(batch.map((r) => r.id));
      after = batch[batch.length - 1].id;
      rows += batch.length;
      await ctx.report({ done: records.size });
      if (records.size < BATCH) break;
    }
    await writer.end();
  } catch (err) {
    writer.output.destroy(err as Error);
    throw err;
  }
  await stored;
  return rows;
}

/** `leads.export`, `orders.export`, `shipping-companies.export`: the file, its download record, and `{"url","rows"}` as the result. */
const defineExport = (table: ExportTable, label: string) =>
  defineJob<ExportPayload>({
    kind: `${table}.export`,
    label,
    lane: 'low',
    retry: { limit: 2, delaySeconds: 10 },
    // Renewed between its batches on both databases (docs/decisions.md, Leases). On PostgreSQL a
    // server killed mid-export frees its job within a minute and a half (120 s made it up to 150 s).
    // On PGlite an import's write beside it holds the one connection and its renewals wait behind it
    // (240 s measured under load): the registry's ten minutes there (EMBEDDED_LEASE_SECONDS) cover it.
    leaseSeconds: 60,
    async handler(ctx) {
      if (!ctx.userId) throw new FinalJobError('An export belongs to the user who asked for it.');
      const source = SOURCES[ctx.payload.table] as unknown as Source<{ id: string }>;
      // A retry starts the file over: its counters too.
      await ctx.report({ total: await source.count(ctx.db, ctx.payload), done: -ctx.progress.done });
      const rows = await writeExport(ctx, source);
      const fileKey = exportKey(ctx.id, ctx.payload.format);
      await ctx.db.tx((q) => recordExport(q, { id: ctx.id, userId: ctx.userId!, fileKey, rows, days: EXPORT_DAYS }));
      return { url: exportUrl(ctx.id), rows };
    },
  });

export const EXPORTS = {
  leads: defineExport('leads', 'Export leads'),
  orders: defineExport('orders', 'Export orders'),
  'shipping-companies': defineExport('shipping-companies', 'Export shipping companies'),
} as const;

/** A partial file older than this was left by a crash (a write in progress is minutes old at most). */
const PARTIAL_FILE_HOURS = 24;

/**
 * `exports.cleanup`: exported files past their 7 days are deleted, with their download records; so
 * are the partial files that crashed writes left in the store (on the embedded database the server
 * also sweeps them at start).
 */
export const exportCleanupJob = defineJob<Record<string, never>>({
  kind: 'exports.cleanup',
  label: 'Delete old exports',
  lane: 'low',
  async handler(ctx) {
    const partial = await ctx.files.sweep(new Date(Date.now() - PARTIAL_FILE_HOURS * 3_600_000));
    let deleted = 0;
    for (;;) {
      const batch = await expiredExports(ctx.db, 100);
      if (batch.length === 0) break;
      for (const e of batch) await ctx.files.delete(e.file_key);
      await deleteExports(
        ctx.db,
        batch.map((e) => e.id),
      );
      deleted += batch.length;
      if (batch.length < 100) break;
    }
    return { deleted, partial };
  },
});

/** The hourly tick of schedules.ts: a cleanup is enqueued only when none is waiting or running. */
export async function enqueueExportCleanup(q: Queryable): Promise<string | undefined> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('codops:exports.cleanup', 0))`);
  const { rows } = await q.query(`SELECT 1 FROM jobs WHERE kind = $1 AND status IN ('queued', 'running') LIMIT 1`, [exportCleanupJob.kind]);
  if (rows.length > 0) return undefined;
  return enqueue(q, exportCleanupJob.kind, {});
}
