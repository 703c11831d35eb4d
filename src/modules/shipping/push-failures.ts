import type { Queryable } from '../../db/database.js';

export interface PushFailure {
  company: string;
  message: string;
  failed_at: Date;
}

/**
 * Keeps why a push left these orders new (each one's latest failure only): the order's page shows it.
 * One message for them all, or one per order (`messages[i]` for `orderIds[i]`; an order named twice
 * keeps its last), in one statement.
 */
export async function recordPushFailure(
  q: Queryable,
  orderIds: string | string[],
  companyId: string,
  messages: string | string[],
): Promise<void> {
  const ids = ([] as string[]).concat(orderIds);
  const texts = typeof messages === 'string' ? ids.map(() => messages) : messages;
  if (texts.length !== ids.length) throw new Error('recordPushFailure: one message per order');
  await q.query(
    `INSERT INTO order_push_failures (order_id, shipping_company_id, message)
     SELECT DISTINCT ON (f.id) f.id, $2, f.message FROM unnest($1::text[], $3::text[]) WITH ORDINALITY AS f(id, message, n)
      ORDER BY f.id, f.n DESC
     ON CONFLICT (order_id) DO UPDATE SET shipping_company_id = EXCLUDED.shipping_company_id, message = EXCLUDED.message, failed_at = now()`,
    [ids, companyId, texts],
  );
}

/**
 * SQL: why the last push of the order `o` (an alias of `orders`) failed, while it is `new` and nothing
 * has happened to it since (no status change after it: a renewed order's earlier failure is not its
 * own); a row (company, message, failed_at) or none. The order's page and the push list read it.
 */
export const currentPushFailure = (o: string) =>
  `SELECT c.name AS company, f.message, f.failed_at
     FROM order_push_failures f JOIN shipping_companies c ON c.id = f.shipping_company_id
    WHERE f.order_id = ${o}.id AND ${o}.status = 'new'
      AND NOT EXISTS (SELECT 1 FROM order_histories h WHERE h.order_id = f.order_id AND h.created_at > f.failed_at
                        AND h.old_status IS DISTINCT FROM h.new_status)`;

/** The order's current push failure (`currentPushFailure`), if any. */
export async function lastPushFailure(q: Queryable, orderId: string): Promise<PushFailure | undefined> {
  const { rows } = await q.query<PushFailure>(
    `SELECT x.* FROM orders o CROSS JOIN LATERAL (${currentPushFailure('o')}) x WHERE o.id = $1`,
    [orderId],
  );
  return rows[0];
}
