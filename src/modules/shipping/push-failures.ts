import type { Queryable } from '../../db/database.js';

export interface PushFailure {
  company: string;
  message: string;
  failed_at: Date;
}

/** Keeps why a push left this order new (its latest failure only): the order's page shows it. */
export async function recordPushFailure(q: Queryable, orderId: string, companyId: string, message: string): Promise<void> {
  await q.query(
    `INSERT INTO order_push_failures (order_id, shipping_company_id, message) VALUES ($1, $2, $3)
     ON CONFLICT (order_id) DO UPDATE SET shipping_company_id = EXCLUDED.shipping_company_id, message = EXCLUDED.message, failed_at = now()`,
    [orderId, companyId, message],
  );
}

/**
 * Why the last push of a `new` order failed, while nothing has happened to the order since (no
 * status change after it: a renewed order's earlier failure is not its own).
 */
export async function lastPushFailure(q: Queryable, orderId: string): Promise<PushFailure | undefined> {
  const { rows } = await q.query<PushFailure>(
    `SELECT c.name AS company, f.message, f.failed_at
       FROM order_push_failures f
       JOIN orders o ON o.id = f.order_id AND o.status = 'new'
       JOIN shipping_companies c ON c.id = f.shipping_company_id
      WHERE f.order_id = $1
        AND NOT EXISTS (SELECT 1 FROM order_histories h WHERE h.order_id = f.order_id AND h.created_at > f.failed_at)`,
    [orderId],
  );
  return rows[0];
}
