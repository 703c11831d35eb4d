import type { Queryable } from '../../db/database.js';
import { sortedPage } from '../../db/paging.js';
import { contains, Where } from '../../db/where.js';
import type { ListParams } from '../../web/list-query.js';
import { nameTaken } from '../../db/names.js';

export interface CompanyCity {
  city_id: string;
  city: string;
  delivery_fee: number;
  return_fee: number;
}

/** fulfilment.md's JSON: base_url and status_map for http companies only; the API key never. */
export interface CompanyJson {
  id: string;
  name: string;
  adapter: 'manual' | 'http';
  status: 'active' | 'inactive';
  base_url?: string | null;
  status_map?: Record<string, string>;
  cities: CompanyCity[];
  created_at: string;
  updated_at: string;
}

const CITIES = `coalesce((SELECT json_agg(json_build_object('city_id', c.id, 'city', c.name, 'delivery_fee', sc.delivery_fee::float8,
    'return_fee', sc.return_fee::float8) ORDER BY lower(c.name), c.id)
  FROM shipping_company_cities sc JOIN cities c ON c.id = sc.city_id WHERE sc.shipping_company_id = co.id), '[]'::json)`;
const COMPANY_JSON = `(jsonb_strip_nulls(jsonb_build_object('id', co.id, 'name', co.name, 'adapter', co.adapter, 'status', co.status,
  'base_url', CASE WHEN co.adapter = 'http' THEN co.base_url END,
  'status_map', CASE WHEN co.adapter = 'http' THEN co.status_map END))
  || jsonb_build_object('cities', ${CITIES}, 'created_at', iso_utc(co.created_at), 'updated_at', iso_utc(co.updated_at)))`;

const SORTS: Record<string, string> = { name: 'lower(co.name)', adapter: 'co.adapter', status: 'co.status', created_at: 'co.created_at' };
export const COMPANY_SORTS = Object.keys(SORTS);

/** The list's filters: GET /shipping-companies and its export. */
export interface CompanyFilters {
  search?: string;
  status?: string;
  adapter?: string;
}

function companyWhere(f: CompanyFilters): Where {
  const w = new Where();
  if (f.search) w.and(`co.name ILIKE ${w.param(contains(f.search))}`);
  if (f.status) w.and(`co.status = ${w.param(f.status)}`);
  if (f.adapter) w.and(`co.adapter = ${w.param(f.adapter)}`);
  return w;
}

export async function listCompanies(q: Queryable, p: ListParams & CompanyFilters) {
  return sortedPage<{ data: CompanyJson }>(q, {
    select: `${COMPANY_JSON} AS data`,
    from: 'FROM shipping_companies co',
    where: companyWhere(p),
    sorts: SORTS,
    defaultSort: 'name',
    key: 'co.id',
    list: p,
  });
}

/** A company and whether it holds an API key (the key itself stays in the database, sealed). */
export async function findCompany(q: Queryable, id: string): Promise<(CompanyJson & { has_api_key: boolean }) | undefined> {
  const { rows } = await q.query<{ data: CompanyJson; has_api_key: boolean }>(
    `SELECT ${COMPANY_JSON} AS data, co.api_key_sealed IS NOT NULL AS has_api_key FROM shipping_companies co WHERE co.id = $1`,
    [id],
  );
  return rows[0] && { ...rows[0].data, has_api_key: rows[0].has_api_key };
}

export const companyNameTaken = (q: Queryable, name: string, exceptId?: string) => nameTaken(q, 'shipping_companies', name, exceptId);

/** Of `ids`, the city ids that do not exist. */
export async function unknownCities(q: Queryable, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await q.query<{ id: string }>(
    'SELECT id FROM unnest($1::text[]) AS t(id) WHERE NOT EXISTS (SELECT 1 FROM cities c WHERE c.id = t.id)',
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** The orders (deleted ones included) that name each of `ids`, for a refused delete. */
export async function companyOrderCounts(q: Queryable, ids: string[]): Promise<{ name: string; uses: number }[]> {
  const { rows } = await q.query<{ name: string; uses: number }>(
    `SELECT co.name, (SELECT count(*) FROM orders o WHERE o.shipping_company_id = co.id)::int AS uses
       FROM shipping_companies co WHERE co.id = ANY($1::text[]) ORDER BY lower(co.name)`,
    [ids],
  );
  return rows;
}

/**
 * A row of the shipping companies export: what the list and show pages display, the cities served
 * by name in one cell. Never the API key (nor whether one is stored): a file leaves the dashboard.
 */
export interface CompanyExportRow {
  id: string;
  name: string;
  adapter: string;
  status: string;
  base_url: string | null;
  cities: string;
  created_at: string;
  updated_at: string;
}

export async function companyExportCount(q: Queryable, f: CompanyFilters): Promise<number> {
  const w = companyWhere(f);
  const { rows } = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM shipping_companies co ${w}`, w.params);
  return rows[0].n;
}

/** The next `limit` companies of the list `f` after the company `after` (keyset on the id), one row each. */
export async function companyExportBatch(q: Queryable, f: CompanyFilters, after: string, limit: number): Promise<CompanyExportRow[]> {
  const w = companyWhere(f);
  w.and(`co.id > ${w.param(after)}`);
  const { rows } = await q.query<CompanyExportRow>(
    `SELECT co.id, co.name, co.adapter, co.status, CASE WHEN co.adapter = 'http' THEN co.base_url END AS base_url,
            coalesce((SELECT string_agg(c.name, '; ' ORDER BY lower(c.name), c.id)
                        FROM shipping_company_cities sc JOIN cities c ON c.id = sc.city_id WHERE sc.shipping_company_id = co.id), '') AS cities,
            iso_utc(co.created_at) AS created_at, iso_utc(co.updated_at) AS updated_at
       FROM shipping_companies co ${w}
      ORDER BY co.id LIMIT ${w.param(limit)}`,
    w.params,
  );
  return rows;
}
