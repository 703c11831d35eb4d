import type { FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import type { Queryable } from '../db/database.js';
import { compile, ErrorBag } from '../http/validation.js';
import type { Where } from '../modules/shared/listing.js';
import { wantsJson } from './scope.js';

export const DASHBOARD_PER_PAGE = 25;

export interface ListParams {
  page: number;
  per_page: number;
  search?: string;
  status?: string;
  sort: string;
  direction: 'asc' | 'desc';
  [filter: string]: unknown;
}

export interface PageMeta {
  current_page: number;
  per_page: number;
  total: number;
  last_page: number;
}

/**
 * The query of a dashboard list: `page`, `per_page` (1–1000), `search`, `status`, `sort`,
 * `direction` and the list's own filters. JSON clients get a 422 for a bad value, as the API
 * answers; a page ignores it (a hand-edited URL still shows the list).
 */
export function listQuery(opts: {
  sorts: readonly string[];
  defaultSort: string;
  statuses?: readonly string[];
  filters?: Record<string, TSchema>;
}) {
  const schema = Type.Partial(
    Type.Object({
      page: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      per_page: Type.Integer({ minimum: 1, maximum: 1000 }),
      search: Type.String({ maxLength: 100 }),
      status: Type.String({ enum: [...(opts.statuses ?? ['active', 'inactive'])] }),
      sort: Type.String({ enum: [...opts.sorts] }),
      direction: Type.String({ enum: ['asc', 'desc'] }),
      ...(opts.filters ?? {}),
    }),
  );
  const v = compile(schema);
  return (req: FastifyRequest): ListParams => {
    const bag = new ErrorBag();
    const raw = { ...(req.query as Record<string, unknown>) };
    let value = v.check(raw, bag) as Record<string, unknown>;
    if (bag.size > 0) {
      if (wantsJson(req)) bag.throwIfAny(schema);
      const bad = Object.keys(bag.toJSON()).map((k) => k.split('.')[0]);
      for (const k of bad) delete raw[k];
      value = v.check(raw, new ErrorBag()) as Record<string, unknown>;
    }
    const sort = (value.sort as string | undefined) ?? opts.defaultSort;
    const direction = (value.direction as 'asc' | 'desc' | undefined) ?? (value.sort ? 'asc' : 'desc');
    return { ...value, page: (value.page as number) ?? 1, per_page: (value.per_page as number) ?? DASHBOARD_PER_PAGE, sort, direction };
  };
}

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

/** A LIKE pattern matching `s` anywhere, with its wildcards escaped. */
export const contains = (s: string) => `%${s.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
