import type { Queryable } from '../../db/database.js';
import { notify } from '../notifications/service.js';

/**
 * Low stock (fulfilment.md, operations.md): when an order's reservation or shipment, or a decrement
 * by hand, brings a stock's available quantity (quantity − reserved) to its warning_quantity or
 * below, the stock managers of its warehouse and the seller (the active users of the product's
 * account) get a notification.
 *
 * The rule, as applied by effects.ts applyMovements: a stock is "low" when one batch of movements
 * that includes an order's `reserve` or `ship` or a `decrement` takes it from above its warning quantity to at or
 * below it. A stock that stays below gets no further notification, however many orders reserve
 * from it; once it is back above (an increment, a release, a return) the next crossing notifies
 * again. Shipping turns a reservation into a decrement and leaves `available` as it was, so in
 * practice the reservation is the crossing (orders created, renewed, relined, or retried). A
 * decrement by hand notifies as well: the seller does not see it made (the catalog audit).
 */
export async function notifyLowStock(q: Queryable, stockIds: string[]): Promise<void> {
  if (stockIds.length === 0) return;
  const { rows } = await q.query<{
    user_id: string;
    account_id: string;
    stock_id: string;
    role: string;
    title: string;
    message: string;
  }>(
    `SELECT u.id AS user_id, p.account_id, s.id AS stock_id, u.role,
            'Low stock: ' || p.name || ' (' || p.sku || ')' AS title,
            w.name || ': ' || (s.quantity - s.reserved) || ' available, warning at ' || s.warning_quantity || '.' AS message
       FROM stocks s JOIN products p ON p.id = s.product_id JOIN warehouses w ON w.id = s.warehouse_id
       JOIN users u ON u.status = 'active' AND u.deleted_at IS NULL
                   AND ((u.role = 'seller' AND u.account_id = p.account_id)
                     OR (u.role = 'stock-manager' AND u.warehouses_ids_to_manage ? s.warehouse_id))
      WHERE s.id = ANY($1::text[])
      ORDER BY s.id, u.id`,
    [stockIds],
  );
  await notify(
    q,
    rows.map((r) => ({
      userId: r.user_id,
      accountId: r.account_id,
      kind: 'low_stock',
      title: r.title,
      message: r.message,
      link: `/stocks/${r.stock_id}/show`,
    })),
  );
}
