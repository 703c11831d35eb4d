import type { Queryable } from '../../db/database.js';
import { contains } from '../../db/where.js';
import { sortedPage } from '../../db/paging.js';
import type { ListParams } from '../../web/list-query.js';
import { Where } from '../../db/where.js';
import { nameTaken } from '../../db/names.js';

interface CityJson {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface AreaJson {
  id: string;
  city_id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

const CITY_JSON = `json_build_object('id', c.id, 'name', c.name, 'created_at', iso_utc(c.created_at), 'updated_at', iso_utc(c.updated_at))`;
const AREA_JSON = `json_build_object('id', ar.id, 'city_id', ar.city_id, 'name', ar.name, 'created_at', iso_utc(ar.created_at), 'updated_at', iso_utc(ar.updated_at))`;
const AREAS = '(SELECT count(*) FROM areas x WHERE x.city_id = c.id)::int';
const WAREHOUSES = '(SELECT count(*) FROM warehouses wh WHERE wh.city_id = c.id)::int';

export interface CityRow {
  data: CityJson;
  areas: number;
  warehouses: number;
}

export interface AreaRow {
  data: AreaJson;
  city_name: string;
}

const CITY_SORTS_SQL: Record<string, string> = { name: 'lower(c.name)', areas: AREAS, created_at: 'c.created_at' };
export const CITY_SORTS = Object.keys(CITY_SORTS_SQL);

export async function listCities(q: Queryable, p: ListParams) {
  const w = new Where();
  if (p.search) w.and(`c.name ILIKE ${w.param(contains(p.search))}`);
  return sortedPage<CityRow>(q, {
    select: `${CITY_JSON} AS data, ${AREAS} AS areas, ${WAREHOUSES} AS warehouses`,
    from: 'FROM cities c',
    where: w,
    sorts: CITY_SORTS_SQL,
    defaultSort: 'name',
    key: 'c.id',
    list: p,
  });
}

export async function findCity(q: Queryable, id: string): Promise<CityRow | undefined> {
  const { rows } = await q.query<CityRow>(
    `SELECT ${CITY_JSON} AS data, ${AREAS} AS areas, ${WAREHOUSES} AS warehouses FROM cities c WHERE c.id = $1`,
    [id],
  );
  return rows[0];
}

export const cityNameTaken = (q: Queryable, name: string, exceptId?: string) => nameTaken(q, 'cities', name, exceptId);

export async function cityExists(q: Queryable, id: string): Promise<boolean> {
  return (await q.query('SELECT 1 FROM cities WHERE id = $1', [id])).rows.length > 0;
}

/** [id, name] of every city, for pickers and filters. */
export async function cityOptions(q: Queryable): Promise<[string, string][]> {
  const { rows } = await q.query<{ id: string; name: string }>('SELECT id, name FROM cities ORDER BY lower(name), id');
  return rows.map((r) => [r.id, r.name]);
}

/** The cities among `ids` that warehouses are in or shipping companies list, with how many of each. */
export async function citiesInUse(q: Queryable, ids: string[]) {
  const { rows } = await q.query<{ id: string; name: string; warehouses: number; companies: number }>(
    `SELECT c.id, c.name, ${WAREHOUSES} AS warehouses,
            (SELECT count(*) FROM shipping_company_cities sc WHERE sc.city_id = c.id)::int AS companies
       FROM cities c
      WHERE c.id = ANY($1::text[])
        AND (EXISTS (SELECT 1 FROM warehouses wh WHERE wh.city_id = c.id)
             OR EXISTS (SELECT 1 FROM shipping_company_cities sc WHERE sc.city_id = c.id))
      ORDER BY lower(c.name)`,
    [ids],
  );
  return rows;
}

const AREA_SORTS_SQL: Record<string, string> = { name: 'lower(ar.name)', city: 'lower(c.name)', created_at: 'ar.created_at' };
export const AREA_SORTS = Object.keys(AREA_SORTS_SQL);

export async function listAreas(q: Queryable, p: ListParams & { city_id?: string }) {
  const w = new Where();
  if (p.search) w.and(`ar.name ILIKE ${w.param(contains(p.search))}`);
  if (p.city_id) w.and(`ar.city_id = ${w.param(p.city_id)}`);
  return sortedPage<AreaRow>(q, {
    select: `${AREA_JSON} AS data, c.name AS city_name`,
    from: 'FROM areas ar JOIN cities c ON c.id = ar.city_id',
    where: w,
    sorts: AREA_SORTS_SQL,
    defaultSort: 'name',
    key: 'ar.id',
    list: p,
  });
}

export async function findArea(q: Queryable, id: string): Promise<AreaRow | undefined> {
  const { rows } = await q.query<AreaRow>(
    `SELECT ${AREA_JSON} AS data, c.name AS city_name FROM areas ar JOIN cities c ON c.id = ar.city_id WHERE ar.id = $1`,
    [id],
  );
  return rows[0];
}

/** A city's areas by name (a city holds a few dozen at most). */
export async function areasOfCity(q: Queryable, cityId: string): Promise<AreaJson[]> {
  const { rows } = await q.query<{ data: AreaJson }>(
    `SELECT ${AREA_JSON} AS data FROM areas ar WHERE ar.city_id = $1 ORDER BY lower(ar.name), ar.id`,
    [cityId],
  );
  return rows.map((r) => r.data);
}

export const areaNameTaken = (q: Queryable, cityId: string, name: string, exceptId?: string) =>
  nameTaken(q, 'areas', name, exceptId, { column: 'city_id', value: cityId });
