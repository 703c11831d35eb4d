import type { Actor } from '../../core/actor.js';
import type { Queryable } from '../../db/database.js';
import { contains } from '../../db/where.js';
import { sortedPage } from '../../db/paging.js';
import type { ListParams } from '../../web/list-query.js';
import type { WebUser } from '../../web/types.js';
import { Where } from '../../db/where.js';
import type { WarehouseStatus } from './schemas.js';
import { nameTaken } from '../../db/names.js';

export interface WarehouseJson {
  id: string;
  name: string;
  city_id: string | null;
  city: string | null;
  address: string | null;
  phone: string | null;
  status: WarehouseStatus;
  created_at: string;
  updated_at: string;
}

const WAREHOUSE_JSON = `json_build_object('id', wh.id, 'name', wh.name, 'city_id', wh.city_id, 'city', coalesce(c.name, wh.city),
  'address', wh.address, 'phone', wh.phone, 'status', wh.status, 'created_at', iso_utc(wh.created_at), 'updated_at', iso_utc(wh.updated_at))`;
const FROM = 'FROM warehouses wh LEFT JOIN cities c ON c.id = wh.city_id';

const SORTS: Record<string, string> = {
  name: 'lower(wh.name)',
  city: 'lower(coalesce(c.name, wh.city))',
  status: 'wh.status',
  created_at: 'wh.created_at',
};
export const WAREHOUSE_SORTS = Object.keys(SORTS);

export async function listWarehouses(q: Queryable, user: WebUser, p: ListParams & { city_id?: string }) {
  const w = scopeWarehouses(user, new Where());
  if (p.search) {
    const like = w.param(contains(p.search));
    w.and(`(wh.name ILIKE ${like} OR wh.address ILIKE ${like})`);
  }
  if (p.status) w.and(`wh.status = ${w.param(p.status)}`);
  if (p.city_id) w.and(`wh.city_id = ${w.param(p.city_id)}`);
  return sortedPage<{ data: WarehouseJson }>(q, {
    select: `${WAREHOUSE_JSON} AS data`,
    from: FROM,
    where: w,
    sorts: SORTS,
    defaultSort: 'name',
    key: 'wh.id',
    list: p,
  });
}

/** A warehouse `user` may see, or undefined (404). */
export async function findWarehouse(q: Queryable, user: WebUser | null, id: string): Promise<WarehouseJson | undefined> {
  const w = user ? scopeWarehouses(user, new Where()) : new Where();
  w.and(`wh.id = ${w.param(id)}`);
  const { rows } = await q.query<{ data: WarehouseJson }>(`SELECT ${WAREHOUSE_JSON} AS data ${FROM} ${w}`, w.params);
  return rows[0]?.data;
}

export const warehouseNameTaken = (q: Queryable, name: string, exceptId?: string) => nameTaken(q, 'warehouses', name, exceptId);

/**
 * The stocks that hold warehouses among `ids` (live ones, and all of them including deleted ones
 * whose history stays); none while the stocks table does not exist.
 */
export async function warehouseStockCounts(
  q: Queryable,
  ids: string[],
): Promise<{ id: string; name: string; stocks: number; total: number }[]> {
  const { rows: t } = await q.query<{ t: string | null }>(`SELECT to_regclass('stocks')::text AS t`);
  if (!t[0]?.t) return [];
  const { rows } = await q.query<{ id: string; name: string; stocks: number; total: number }>(
    `SELECT wh.id, wh.name, count(*) FILTER (WHERE s.deleted_at IS NULL)::int AS stocks, count(*)::int AS total
       FROM warehouses wh JOIN stocks s ON s.warehouse_id = wh.id
      WHERE wh.id = ANY($1::text[]) GROUP BY wh.id, wh.name ORDER BY lower(wh.name)`,
    [ids],
  );
  return rows;
}

/**
 * Limits `w` to the warehouses `actor` may see: a stock manager's `warehouses_ids_to_manage`,
 * everything for the others. `column` is the warehouse id column (`wh.id`, `s.warehouse_id`, …).
 */
export function scopeWarehouses(actor: Actor, w: Where, column = 'wh.id'): Where {
  if (actor.role === 'stock-manager') {
    w.and(`${column} IN (SELECT jsonb_array_elements_text(u.warehouses_ids_to_manage) FROM users u WHERE u.id = ${w.param(actor.userId)})`);
  }
  return w;
}

export interface StockManager {
  id: string;
  full_name: string;
  email: string;
}

/** The stock managers who manage a warehouse, by name. */
export async function stockManagersOf(q: Queryable, warehouseId: string): Promise<StockManager[]> {
  const { rows } = await q.query<StockManager>(
    `SELECT id, full_name, email FROM users
      WHERE role = 'stock-manager' AND deleted_at IS NULL AND warehouses_ids_to_manage @> jsonb_build_array($1::text)
      ORDER BY lower(full_name), id`,
    [warehouseId],
  );
  return rows;
}
