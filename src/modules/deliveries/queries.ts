import type { Queryable } from '../../db/database.js';
import { sortedPage, type ListRequest, type PageMeta } from '../../db/paging.js';
import { Where } from '../../db/where.js';
import { CASH_TO_COLLECT } from '../ledger/order-fees.js';
import type { Recipient } from '../records/recipient.js';

export interface DeliveryRow extends Recipient {
  id: string;
  total: number;
  /** What to collect at the door: the total, plus the delivery fee when the customer pays it. */
  cod_amount: number;
  tracking_number: string | null;
  shipped_at: string;
  products: { name: string; quantity: number }[];
}

/** The round keeps its one order, oldest shipment first. */
export const DELIVERY_SORTS = { shipped: 'o.updated_at' };

/** A courier's `shipped` orders. */
function round(courierId: string) {
  const w = new Where();
  w.and(`o.delivery_user_id = ${w.param(courierId)} AND o.status = 'shipped' AND o.deleted_at IS NULL`);
  return w;
}

/** One page of a courier's round, as their page shows it. */
export async function deliveriesOf(q: Queryable, courierId: string, list: ListRequest): Promise<{ rows: DeliveryRow[]; meta: PageMeta }> {
  const page = await sortedPage<DeliveryRow>(q, {
    select: `o.id, o.reference, o.full_name, o.phone, o.city, o.area, o.address, o.total::float8 AS total,
            ${CASH_TO_COLLECT('o')}::float8 AS cod_amount, o.tracking_number,
            iso_utc((SELECT max(h.created_at) FROM order_histories h WHERE h.order_id = o.id AND h.new_status = 'shipped' AND h.old_status IS DISTINCT FROM h.new_status)) AS shipped_at,
            coalesce((SELECT json_agg(json_build_object('name', ol.name, 'quantity', ol.quantity) ORDER BY ol.position)
                        FROM order_lines ol WHERE ol.order_id = o.id), '[]') AS products`,
    from: 'FROM orders o',
    where: round(courierId),
    sorts: DELIVERY_SORTS,
    defaultSort: 'shipped',
    key: 'o.id',
    list,
  });
  return { ...page, rows: page.rows.map((r) => ({ ...r, total: Number(r.total), cod_amount: Number(r.cod_amount) })) };
}

/** The cash of the whole round (every page), for the page's summary. */
export async function roundCash(q: Queryable, courierId: string): Promise<number> {
  const w = round(courierId);
  const { rows } = await q.query<{ cash: number }>(
    `SELECT coalesce(sum(${CASH_TO_COLLECT('o')}), 0)::float8 AS cash FROM orders o ${w}`,
    w.params,
  );
  return Number(rows[0].cash);
}

/** How many orders the courier's round holds (every page). */
export async function roundSize(q: Queryable, courierId: string): Promise<number> {
  const w = round(courierId);
  const { rows } = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders o ${w}`, w.params);
  return rows[0].n;
}
