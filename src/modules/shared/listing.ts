import type { Queryable } from '../../db/database.js';
import { normalizePhone } from '../../lib/phone.js';

export interface PageRequest {
  page?: number;
  per_page?: number;
}

/** Collects WHERE conditions with numbered parameters. */
export class Where {
  readonly params: unknown[] = [];
  private readonly conds: string[] = [];

  param(v: unknown): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }

  and(cond: string): this {
    this.conds.push(cond);
    return this;
  }

  toString(): string {
    return this.conds.length ? `WHERE ${this.conds.join(' AND ')}` : '';
  }
}

/**
 * One page of rows rendered to JSON by the database: `jsonExpr` builds an item from the aliases of
 * `from` (the FROM clause), `key` names a row uniquely. Answers the API's paginated body as text.
 * The page's keys are found first and only they are rendered: PostgreSQL computes the select list
 * of every row an OFFSET skips, so rendering in the same query made page 2,000 of 200,000 leads
 * take seconds. A caller that already knows the total (the status counts) passes it, or the promise
 * of it, and saves the count.
 */
export async function jsonPage(
  q: Queryable,
  opts: {
    jsonExpr: string;
    from: string;
    key: string;
    where: Where;
    orderBy: [string, 'ASC' | 'DESC'][];
    page: PageRequest;
    total?: number | Promise<number>;
  },
): Promise<string> {
  const orderCols = opts.orderBy.map(([e], i) => `${e} AS o${i}`).join(', ');
  const innerOrder = opts.orderBy.map(([e, d]) => `${e} ${d}`).join(', ');
  const outerOrder = opts.orderBy.map(([, d], i) => `p.o${i} ${d}`).join(', ');
  const perPage = opts.page.per_page ?? 50;
  const current = opts.page.page ?? 1;
  const w = opts.where;
  const limit = w.param(perPage);
  const offset = w.param((current - 1) * perPage);
  const pageKeys = `SELECT ${opts.key} ${opts.from} ${w} ORDER BY ${innerOrder} LIMIT ${limit} OFFSET ${offset}`;
  const [list, count] = await Promise.all([
    q.query<{ data: string }>(
      `SELECT coalesce(json_agg(p.j ORDER BY ${outerOrder}), '[]')::text AS data FROM (
         SELECT ${opts.jsonExpr} AS j, ${orderCols} ${opts.from} WHERE ${opts.key} = ANY(ARRAY(${pageKeys}))) p`,
      w.params,
    ),
    opts.total ?? q.query<{ n: number }>(`SELECT count(*)::int AS n ${opts.from} ${w}`, w.params.slice(0, -2)).then((r) => r.rows[0].n),
  ]);
  const total = count;
  const meta = { current_page: current, per_page: perPage, total, last_page: Math.max(1, Math.ceil(total / perPage)) };
  return `{"data":${compact(list.rows[0].data)},"meta":${JSON.stringify(meta)}}`;
}

export interface PageOptions<S extends string> {
  sort?: S;
  direction?: 'asc' | 'desc';
  /** Known total (from the status counts): the page then skips its count. */
  total?: number;
  /** Extra fields for the dashboard: each item becomes `{"item": <API item>, <name>: <expr>, …}`. */
  extra?: Record<string, string>;
}

/** Wraps an item expression with dashboard-only fields, leaving the API's representation whole. */
export function withExtra(jsonExpr: string, extra?: Record<string, string>): string {
  if (!extra) return jsonExpr;
  const pairs = Object.entries(extra).map(([k, v]) => `'${k}', ${v}`);
  return `json_build_object('item', ${jsonExpr}, ${pairs.join(', ')})`;
}

/**
 * Live leads or orders per status from `status_counts` (kept exact by triggers, migration 0008): one
 * account's, or every account's (`accountId` null). For the status tabs of an unfiltered list.
 */
export async function summaryCounts(q: Queryable, subject: 'leads' | 'orders', accountId: string | null): Promise<Map<string, number>> {
  const { rows } = await q.query<{ status: string; n: number }>(
    `SELECT status, sum(n)::int AS n FROM status_counts WHERE subject = $1 AND ($2::text IS NULL OR account_id = $2) GROUP BY status`,
    [subject, accountId],
  );
  return new Map(rows.map((r) => [r.status, r.n]));
}

/**
 * How many live leads or orders have one of `statuses` (any status when none), from the same
 * counts: what an API list filtered by status alone (or not at all) answers as `meta.total`.
 */
export async function countedTotal(
  q: Queryable,
  subject: 'leads' | 'orders',
  accountId: string | null,
  statuses: readonly string[] | undefined,
): Promise<number> {
  const counts = await summaryCounts(q, subject, accountId);
  const wanted = statuses?.length ? [...new Set(statuses)] : [...counts.keys()];
  return wanted.reduce((sum, status) => sum + (counts.get(status) ?? 0), 0);
}

/** Turns a date filter into a timestamp bound: a bare date `to` covers its whole day. */
export function dateBound(s: string, end: boolean): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return end ? `${s}T23:59:59.999Z` : `${s}T00:00:00Z`;
  return new Date(s).toISOString();
}

/** PostgreSQL's json text has spaces around colons; clients get compact JSON. */
export const compact = (json: string) => JSON.stringify(JSON.parse(json));

/**
 * The dashboard's search box over leads or orders (alias `l` or `o`): a reference (exact), a phone
 * number (its normalised form) or part of the customer's name.
 */
export function recordSearch(w: Where, alias: 'l' | 'o', search: string): string {
  const s = search.trim();
  const like = `%${s.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
  const ors = [`${alias}.full_name ILIKE ${w.param(like)}`];
  if (/^[a-z]+-\d+$/i.test(s)) ors.unshift(`${alias}.reference = ${w.param(s.toUpperCase())}`);
  if (/\d{3,}/.test(s)) ors.unshift(`${alias}.phone_normalized = ${w.param(normalizePhone(s))}`);
  return `(${ors.join(' OR ')})`;
}
