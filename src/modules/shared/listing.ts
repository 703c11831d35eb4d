import type { Queryable } from '../../db/database.js';

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
 * One page of rows rendered to JSON by the database: `jsonExpr` builds an item from alias `x`,
 * `from` is the FROM … WHERE clause. Answers the API's paginated body as text.
 */
export async function jsonPage(
  q: Queryable,
  opts: { jsonExpr: string; from: string; where: Where; orderBy: [string, 'ASC' | 'DESC'][]; page: PageRequest },
): Promise<string> {
  const orderCols = opts.orderBy.map(([e], i) => `${e} AS o${i}`).join(', ');
  const innerOrder = opts.orderBy.map(([e, d]) => `${e} ${d}`).join(', ');
  const outerOrder = opts.orderBy.map(([, d], i) => `p.o${i} ${d}`).join(', ');
  const perPage = opts.page.per_page ?? 50;
  const current = opts.page.page ?? 1;
  const w = opts.where;
  const limit = w.param(perPage);
  const offset = w.param((current - 1) * perPage);
  const [list, count] = await Promise.all([
    q.query<{ data: string }>(
      `SELECT coalesce(json_agg(p.j ORDER BY ${outerOrder}), '[]')::text AS data FROM (
         SELECT ${opts.jsonExpr} AS j, ${orderCols} ${opts.from} ${w} ORDER BY ${innerOrder} LIMIT ${limit} OFFSET ${offset}) p`,
      w.params,
    ),
    q.query<{ n: number }>(`SELECT count(*)::int AS n ${opts.from} ${w}`, w.params.slice(0, -2)),
  ]);
  const total = count.rows[0].n;
  const meta = { current_page: current, per_page: perPage, total, last_page: Math.max(1, Math.ceil(total / perPage)) };
  return `{"data":${compact(list.rows[0].data)},"meta":${JSON.stringify(meta)}}`;
}

/** Turns a date filter into a timestamp bound: a bare date `to` covers its whole day. */
export function dateBound(s: string, end: boolean): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return end ? `${s}T23:59:59.999Z` : `${s}T00:00:00Z`;
  return new Date(s).toISOString();
}

/** PostgreSQL's json text has spaces around colons; clients get compact JSON. */
export const compact = (json: string) => JSON.stringify(JSON.parse(json));
