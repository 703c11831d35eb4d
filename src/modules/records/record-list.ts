// The lists of leads and orders (api-v1.md's filters, the dashboard's sorts and status tabs): one
// implementation over `leads l` or `orders o`; each module adds its own scope conditions.
import type { Queryable } from '../../db/database.js';
import { normalizePhone } from '../../lib/phone.js';
import { jsonPage, type PageRequest } from '../../db/paging.js';
import { contains, dateFrom, dateBefore, type Where } from '../../db/where.js';
import { countedTotal, summaryCounts } from './status-counts.js';

export interface RecordFilters extends PageRequest {
  status?: string[];
  reference?: string;
  phone?: string;
  sku?: string;
  created_from?: string;
  created_to?: string;
  /** The zone `created_from`/`created_to` written without one are read in (dateFrom): the dashboard's. */
  zone?: string;
  /** The dashboard's search box: a reference, a phone number or part of a name. */
  search?: string;
}

export interface PageOptions<S extends string> {
  sort?: S;
  direction?: 'asc' | 'desc';
  /** Known total (from the status counts): the page then skips its count. */
  total?: number;
  /** Extra fields for the dashboard: each item becomes `{"item": <API item>, <name>: <expr>, …}`. */
  extra?: Record<string, string>;
}

/**
 * The dashboard's search box over leads or orders (alias `l` or `o`): a reference (exact), a phone
 * number (its normalised form) or part of the customer's name.
 */
export function recordSearch(w: Where, alias: 'l' | 'o', search: string): string {
  const s = search.trim();
  const ors = [`${alias}.full_name ILIKE ${w.param(contains(s))}`];
  if (/^[a-z]+-\d+$/i.test(s)) ors.unshift(`${alias}.reference = ${w.param(s.toUpperCase())}`);
  if (/\d{3,}/.test(s)) ors.unshift(`${alias}.phone_normalized = ${w.param(normalizePhone(s))}`);
  return `(${ors.join(' OR ')})`;
}

export interface RecordTable {
  table: 'leads' | 'orders';
  alias: 'l' | 'o';
  lines: { table: 'lead_lines' | 'order_lines'; fk: 'lead_id' | 'order_id' };
}
export const LEADS: RecordTable = { table: 'leads', alias: 'l', lines: { table: 'lead_lines', fk: 'lead_id' } };
export const ORDERS: RecordTable = { table: 'orders', alias: 'o', lines: { table: 'order_lines', fk: 'order_id' } };

/**
 * FROM clause for one live record of the account ($1) by reference ($2), under the table's alias.
 * Ordered by the unique (account, reference) index and limited to its one row, so that index is the
 * path at any size: a plan made while the table held a few rows was a scan, kept by the connection
 * until the next ANALYZE while the table grew (decisions.md, "Plans made on young tables").
 */
export const oneByReference = (t: RecordTable) =>
  `(SELECT * FROM ${t.table} WHERE account_id = $1 AND reference = $2 ORDER BY account_id, reference LIMIT 1) ${t.alias}
   WHERE ${t.alias}.deleted_at IS NULL`;

/**
 * FROM item: the account's records (deleted ones too) named by a text[] of references, under the
 * table's alias: one probe of the unique (account, reference) index per distinct reference, whatever
 * plan the table's statistics would suggest (see `oneByReference`). `OFFSET 0` keeps each a probe
 * and keeps the caller's conditions out of it: the partial indexes they match (`deleted_at IS NULL`)
 * looked cheaper on a young table. `account` and `references` are the two parameters' placeholders.
 */
export const byReferences = (t: RecordTable, account: string, references: string) =>
  `(SELECT x.* FROM (SELECT DISTINCT unnest(${references}::text[]) AS reference) r
     CROSS JOIN LATERAL (SELECT * FROM ${t.table} WHERE account_id = ${account} AND reference = r.reference OFFSET 0) x) ${t.alias}`;

/** Adds the filters every lead and order list offers to `w` (which holds the caller's scope). */
export function recordFilters(w: Where, t: RecordTable, f: RecordFilters): Where {
  const a = t.alias;
  // One status as an equality: the (account, status, created_at) index then yields the newest first;
  // `= ANY` of one element made PostgreSQL 15 sort every lead of that status (140 ms at 300,000).
  if (f.status?.length === 1) w.and(`${a}.status = ${w.param(f.status[0])}`);
  else if (f.status?.length) w.and(`${a}.status = ANY(${w.param(f.status)}::text[])`);
  if (f.reference) w.and(`${a}.reference = ${w.param(f.reference)}`);
  if (f.phone) w.and(`${a}.phone_normalized = ${w.param(normalizePhone(f.phone))}`);
  if (f.sku) {
    w.and(`${a}.id IN (SELECT x.${t.lines.fk} FROM ${t.lines.table} x JOIN products p ON p.id = x.product_id
                     WHERE p.account_id = ${a}.account_id AND p.sku = ${w.param(f.sku)})`);
  }
  if (f.created_from) w.and(`${a}.created_at >= ${w.param(dateFrom(f.created_from, f.zone))}::timestamptz`);
  if (f.created_to) w.and(`${a}.created_at < ${w.param(dateBefore(f.created_to, f.zone))}::timestamptz`);
  if (f.search) w.and(recordSearch(w, a, f.search));
  return w;
}

/** Whether filters other than the status apply, which the trigger-kept `status_counts` cannot count. */
export const narrowedBeyondStatus = (f: RecordFilters) =>
  Boolean(f.reference || f.phone || f.sku || f.created_from || f.created_to || f.search);

/**
 * One page as the API's body text, newest first (or the dashboard's sort). `narrowed`: filters or a
 * scope the status counts cannot answer, so the page counts its rows for `meta.total`.
 */
export function recordPage<S extends string>(
  q: Queryable,
  t: RecordTable,
  p: { accountId: string | null; where: Where; narrowed: boolean; f: RecordFilters; jsonExpr: string; sorts: Record<S, string> },
  opts: PageOptions<S> & { defaultSort: S },
): Promise<string> {
  const dir = opts.direction === 'asc' ? 'ASC' : 'DESC';
  return jsonPage(q, {
    jsonExpr: p.jsonExpr,
    from: `FROM ${t.table} ${t.alias}`,
    key: `${t.alias}.id`,
    where: p.where,
    orderBy: [
      [p.sorts[opts.sort ?? opts.defaultSort], dir],
      [`${t.alias}.id`, dir],
    ],
    page: p.f,
    total: opts.total ?? (p.narrowed ? undefined : countedTotal(q, t.table, p.accountId, p.f.status)),
  });
}

/**
 * The status tabs: every status's count under the other filters. Without them (the usual view of an
 * account, or of all) the trigger-kept `status_counts` answer at once; else one GROUP BY over `where`
 * (built without the status filter).
 */
export async function recordStatusCounts(
  q: Queryable,
  t: RecordTable,
  p: { accountId: string | null; narrowed: boolean; where: () => Where },
): Promise<Map<string, number>> {
  if (!p.narrowed) return summaryCounts(q, t.table, p.accountId);
  const w = p.where();
  const { rows } = await q.query<{ status: string; n: number }>(
    `SELECT ${t.alias}.status, count(*)::int AS n FROM ${t.table} ${t.alias} ${w} GROUP BY ${t.alias}.status`,
    w.params,
  );
  return new Map(rows.map((r) => [r.status, r.n]));
}
