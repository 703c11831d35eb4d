import type { Queryable } from './database.js';
import type { Where } from './where.js';

export interface PageRequest {
  page?: number;
  per_page?: number;
}

export interface PageMeta {
  current_page: number;
  per_page: number;
  total: number;
  last_page: number;
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
  // Counted in the same statement when the caller has no total: one round trip (PGlite runs two
  // statements one after the other anyway) and the total of the page's own snapshot.
  const counted = opts.total === undefined ? `(SELECT count(*)::int ${opts.from} ${w})` : 'NULL::int';
  const [list, known] = await Promise.all([
    q.query<{ data: string; n: number | null }>(
      `SELECT coalesce(json_agg(p.j ORDER BY ${outerOrder}), '[]')::text AS data, ${counted} AS n FROM (
         SELECT ${opts.jsonExpr} AS j, ${orderCols} ${opts.from} WHERE ${opts.key} = ANY(ARRAY(${pageKeys}))) p`,
      w.params,
    ),
    opts.total,
  ]);
  const total = known ?? list.rows[0].n ?? 0;
  const meta = { current_page: current, per_page: perPage, total, last_page: Math.max(1, Math.ceil(total / perPage)) };
  return `{"data":${compact(list.rows[0].data)},"meta":${JSON.stringify(meta)}}`;
}

/** Wraps an item expression with dashboard-only fields, leaving the API's representation whole. */
export function withExtra(jsonExpr: string, extra?: Record<string, string>): string {
  if (!extra) return jsonExpr;
  const pairs = Object.entries(extra).map(([k, v]) => `'${k}', ${v}`);
  return `json_build_object('item', ${jsonExpr}, ${pairs.join(', ')})`;
}

/** PostgreSQL's json text has spaces around colons; clients get compact JSON. */
export const compact = (json: string) => JSON.stringify(JSON.parse(json));

/** The rows of one page and the API's `meta`; `select` is a list of columns, `from` the FROM clause. */
export async function fetchPage<T>(
  q: Queryable,
  opts: { select: string; from: string; where: Where; orderBy: string; page: number; perPage: number },
): Promise<{ rows: T[]; meta: PageMeta }> {
  const w = opts.where;
  const count = await q.query<{ n: number }>(`SELECT count(*)::int AS n ${opts.from} ${w}`, w.params);
  const total = count.rows[0].n;
  const last = Math.max(1, Math.ceil(total / opts.perPage));
  const params = [...w.params, opts.perPage, (opts.page - 1) * opts.perPage];
  const n = w.params.length;
  const { rows } = await q.query<T>(
    `SELECT ${opts.select} ${opts.from} ${w} ORDER BY ${opts.orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`,
    params,
  );
  return { rows, meta: { current_page: opts.page, per_page: opts.perPage, total, last_page: last } };
}

/** What a list asks for: a sort and its direction, a page and its size (web/list-query.ts reads them). */
export interface ListRequest {
  sort: string;
  direction: 'asc' | 'desc';
  page: number;
  per_page: number;
}

/**
 * One page of a list in the order it asks for: `sorts` maps its sort names to SQL (an unknown one
 * sorts by `defaultSort`), and the row's `key` breaks ties, in the same direction.
 */
export function sortedPage<T>(
  q: Queryable,
  opts: { select: string; from: string; where: Where; sorts: Record<string, string>; defaultSort: string; key: string; list: ListRequest },
): Promise<{ rows: T[]; meta: PageMeta }> {
  const { list, sorts } = opts;
  const dir = list.direction === 'asc' ? 'ASC' : 'DESC';
  return fetchPage<T>(q, {
    select: opts.select,
    from: opts.from,
    where: opts.where,
    orderBy: `${sorts[list.sort] ?? sorts[opts.defaultSort]} ${dir}, ${opts.key} ${dir}`,
    page: list.page,
    perPage: list.per_page,
  });
}
