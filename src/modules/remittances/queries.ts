import type { Queryable } from '../../db/database.js';
import { sortedPage, type PageMeta } from '../../db/paging.js';
import { contains, Where } from '../../db/where.js';
import type { ListParams } from '../../web/list-query.js';

export interface Courier {
  type: 'shipping_company' | 'delivery_user';
  id: string;
  name: string;
}

/** Per courier: the delivered orders not remitted yet and their cash, and all its cash expected and received (finance.md). */
export interface CourierCash extends Courier {
  pending_orders: number;
  pending_amount: number;
  cash_expected: number;
  cash_received: number;
  difference: number;
}

/** The list's one order: by courier name. */
export const COURIER_CASH_SORTS = { name: 'c.name' };

/** Per courier, as its own row: the list pages and searches it as a table. */
const COURIER_CASH = `(
    WITH d AS (
         SELECT CASE WHEN o.shipping_company_id IS NOT NULL THEN 'shipping_company' ELSE 'delivery_user' END AS type,
                coalesce(o.shipping_company_id, o.delivery_user_id) AS id, o.collected_amount, ro.order_id IS NOT NULL AS remitted
           FROM orders o LEFT JOIN remittance_orders ro ON ro.order_id = o.id
          WHERE o.status = 'delivered' AND o.deleted_at IS NULL AND coalesce(o.shipping_company_id, o.delivery_user_id) IS NOT NULL
       ), e AS (
         SELECT type, id, count(*) FILTER (WHERE NOT remitted)::int AS pending_orders,
                coalesce(sum(collected_amount) FILTER (WHERE NOT remitted), 0) AS pending_amount, coalesce(sum(collected_amount), 0) AS expected
           FROM d GROUP BY type, id
       ), r AS (
         SELECT CASE WHEN shipping_company_id IS NOT NULL THEN 'shipping_company' ELSE 'delivery_user' END AS type,
                coalesce(shipping_company_id, delivery_user_id) AS id, sum(amount) AS received
           FROM remittances GROUP BY 1, 2
       )
       SELECT coalesce(e.type, r.type) AS type, coalesce(e.id, r.id) AS id,
              coalesce(sc.name, u.full_name, coalesce(e.id, r.id)) AS name,
              coalesce(e.pending_orders, 0) AS pending_orders, coalesce(e.pending_amount, 0)::float8 AS pending_amount,
              coalesce(e.expected, 0)::float8 AS cash_expected, coalesce(r.received, 0)::float8 AS cash_received,
              (coalesce(e.expected, 0) - coalesce(r.received, 0))::float8 AS difference
         FROM e FULL JOIN r ON r.type = e.type AND r.id = e.id
         LEFT JOIN shipping_companies sc ON sc.id = coalesce(e.id, r.id) AND coalesce(e.type, r.type) = 'shipping_company'
         LEFT JOIN users u ON u.id = coalesce(e.id, r.id) AND coalesce(e.type, r.type) = 'delivery_user'
  ) c`;

/** One page of the couriers' cash; `search` finds a courier by name. */
export function courierCash(q: Queryable, list: ListParams): Promise<{ rows: CourierCash[]; meta: PageMeta }> {
  const w = new Where();
  if (list.search) w.and(`c.name ILIKE ${w.param(contains(list.search))}`);
  return sortedPage<CourierCash>(q, {
    select: 'c.*',
    from: `FROM ${COURIER_CASH}`,
    where: w,
    sorts: COURIER_CASH_SORTS,
    defaultSort: 'name',
    key: `(c.type || ':' || c.id)`,
    list,
  });
}

export async function findCourier(q: Queryable, c: { shipping_company_id?: string | null; delivery_user_id?: string | null }) {
  if (c.shipping_company_id) {
    const { rows } = await q.query<{ id: string; name: string }>('SELECT id, name FROM shipping_companies WHERE id = $1', [
      c.shipping_company_id,
    ]);
    return rows[0] && ({ type: 'shipping_company', ...rows[0] } as Courier);
  }
  const { rows } = await q.query<{ id: string; name: string }>(
    `SELECT id, full_name AS name FROM users WHERE id = $1 AND role = 'delivery'`,
    [c.delivery_user_id],
  );
  return rows[0] && ({ type: 'delivery_user', ...rows[0] } as Courier);
}

export interface PendingOrder {
  id: string;
  reference: string;
  account_name: string;
  expected: string;
  delivered_at: string;
}

/** The courier's delivered orders whose cash is not remitted yet; `lock` holds them until the transaction ends. */
export async function pendingOrders(q: Queryable, courier: Courier, lock = false): Promise<PendingOrder[]> {
  const col = courier.type === 'shipping_company' ? 'shipping_company_id' : 'delivery_user_id';
  const { rows } = await q.query<PendingOrder>(
    `SELECT o.id, o.reference, a.name AS account_name, o.collected_amount::text AS expected, iso_utc(o.updated_at) AS delivered_at
       FROM orders o JOIN accounts a ON a.id = o.account_id
      WHERE o.${col} = $1 AND o.status = 'delivered' AND o.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM remittance_orders ro WHERE ro.order_id = o.id)
      ORDER BY o.updated_at, o.id ${lock ? 'FOR UPDATE OF o' : ''}`,
    [courier.id],
  );
  return rows;
}
