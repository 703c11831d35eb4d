import type { Queryable } from '../../db/database.js';

export interface CustomerRecord {
  leads: number;
  orders: number;
  delivered: number;
  returned: number;
  risk: 'low' | 'medium' | 'high';
}

export interface CustomerHistoryRow {
  kind: 'lead' | 'order';
  id: string;
  reference: string;
  status: string;
  total: number;
  created_at: string;
}

/**
 * The customer behind a lead: their other leads and their orders in the account, by normalised
 * phone. Risk is high when at least 2 orders and half of the finished ones (delivered or returned)
 * came back, medium when any did, else low (call-centre.md).
 */
export async function customerRecord(q: Queryable, leadId: string): Promise<{ record: CustomerRecord; rows: CustomerHistoryRow[] }> {
  const { rows } = await q.query<CustomerHistoryRow>(
    `WITH me AS (SELECT account_id, phone_normalized FROM leads WHERE id = $1)
     SELECT 'lead' AS kind, l.id, l.reference, l.status, l.total::float8 AS total, iso_utc(l.created_at) AS created_at
       FROM leads l, me WHERE l.account_id = me.account_id AND l.phone_normalized = me.phone_normalized
        AND l.deleted_at IS NULL AND l.id <> $1
     UNION ALL
     SELECT 'order', o.id, o.reference, o.status, o.total::float8, iso_utc(o.created_at)
       FROM orders o, me WHERE o.account_id = me.account_id AND o.phone_normalized = me.phone_normalized AND o.deleted_at IS NULL
     ORDER BY created_at DESC
     LIMIT 200`,
    [leadId],
  );
  const orders = rows.filter((r) => r.kind === 'order');
  const delivered = orders.filter((o) => o.status === 'delivered').length;
  const returned = orders.filter((o) => o.status === 'returned').length;
  const risk = returned >= 2 && returned * 2 >= delivered + returned ? 'high' : returned > 0 ? 'medium' : 'low';
  return { record: { leads: rows.length - orders.length, orders: orders.length, delivered, returned, risk }, rows };
}
