import type { Queryable } from '../../db/database.js';
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

/** The most a courier's page lists: a day's round is far smaller. */
const LIMIT = 500;

/** A courier's `shipped` orders, oldest shipment first, as their page shows them. */
export async function deliveriesOf(q: Queryable, courierId: string): Promise<DeliveryRow[]> {
  const { rows } = await q.query<DeliveryRow>(
    `SELECT o.id, o.reference, o.full_name, o.phone, o.city, o.area, o.address, o.total::float8 AS total,
            ${CASH_TO_COLLECT('o')}::float8 AS cod_amount, o.tracking_number,
            iso_utc((SELECT max(h.created_at) FROM order_histories h WHERE h.order_id = o.id AND h.new_status = 'shipped' AND h.old_status IS DISTINCT FROM h.new_status)) AS shipped_at,
            coalesce((SELECT json_agg(json_build_object('name', ol.name, 'quantity', ol.quantity) ORDER BY ol.position)
                        FROM order_lines ol WHERE ol.order_id = o.id), '[]') AS products
       FROM orders o
      WHERE o.delivery_user_id = $1 AND o.status = 'shipped' AND o.deleted_at IS NULL
      ORDER BY o.updated_at, o.id LIMIT ${LIMIT}`,
    [courierId],
  );
  return rows.map((r) => ({ ...r, total: Number(r.total), cod_amount: Number(r.cod_amount) }));
}
