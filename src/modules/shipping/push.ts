import type { Queryable } from '../../db/database.js';
import { SYSTEM } from '../../core/actor.js';
import { HttpError } from '../../http/errors.js';
import { defineJob } from '../../jobs/registry.js';
import { transitionOrders } from '../orders/lifecycle.js';
import { COD_AMOUNT } from '../ledger/order-fees.js';
import { CourierError, type ParcelRequest } from './courier.js';
import { companyCourier } from './company-courier.js';

export interface PushPayload {
  companyId: string;
  /** The selection, in the order it was made; an order not `new` when its turn comes is reported. */
  orderIds: string[];
}

interface PushOrder extends ParcelRequest {
  id: string;
  account_id: string;
  status: string;
}

/**
 * An order as the courier protocol wants it (fulfilment.md), or undefined when it is gone; the cash to
 * collect counts the delivery fee of the company it is pushed to when the customer pays it.
 */
async function pushOrder(q: Queryable, id: string, companyId: string): Promise<PushOrder | undefined> {
  const { rows } = await q.query<PushOrder>(
    `SELECT o.id, o.account_id, o.status, o.reference, ${COD_AMOUNT('o', '$2')}::float8 AS cod_amount,
            json_build_object('full_name', o.full_name, 'phone', o.phone, 'city', o.city, 'area', o.area, 'address', o.address) AS customer,
            (SELECT coalesce(json_agg(json_build_object('sku', ol.sku, 'name', ol.name, 'quantity', ol.quantity) ORDER BY ol.position), '[]')
               FROM order_lines ol WHERE ol.order_id = o.id) AS items
       FROM orders o WHERE o.id = $1 AND o.deleted_at IS NULL`,
    [id, companyId],
  );
  return rows[0];
}

const notNew = (status: string) => `Only a new order can be pushed; this one is ${status.replace('_', ' ')}.`;

/**
 * Pushes a selection of orders to a shipping company (fulfilment.md): one parcel per order, keyed
 * by the order's id so that a retry or a run resumed after a crash gets the same parcel back, then
 * the order's one transition to `shipped` (stock leaves the warehouse) and the job's progress in
 * the same transaction. A 5xx or a timeout stops the run and the job is retried with backoff from
 * that order on; a refusal or a malformed answer is that order's error, and the others go on.
 */
export const pushJob = defineJob<PushPayload>({
  kind: 'orders.push',
  label: 'Push to the courier',
  lane: 'urgent',
  retry: { limit: 8, delaySeconds: 5 },
  // A courier call lasts 10 s at most: a dead worker's push is taken over within half a minute.
  leaseSeconds: 30,
  async handler(ctx) {
    const { companyId, orderIds } = ctx.payload;
    const { courier } = await companyCourier(ctx.db, ctx.appKey, companyId);
    if (ctx.progress.total !== orderIds.length) await ctx.report({ total: orderIds.length });
    let next = (ctx.progress.checkpoint as { next?: number } | null)?.next ?? 0;
    for (; next < orderIds.length; next++) {
      ctx.signal.throwIfAborted();
      const checkpoint = { next: next + 1 };
      const order = await pushOrder(ctx.db, orderIds[next], companyId);
      if (!order || order.status !== 'new') {
        const message = order ? notNew(order.status) : 'This order no longer exists.';
        await ctx.report({ failed: 1, errors: [{ reference: order?.reference ?? orderIds[next], message }], checkpoint });
        continue;
      }
      let tracking: string;
      try {
        // The protocol's fields only (fulfilment.md), not the order's own id, account and status.
        const { reference, customer, cod_amount, items } = order;
        tracking = (await courier.createParcel(order.id, { reference, customer, cod_amount, items }))!.tracking_number;
      } catch (err) {
        if (!(err instanceof CourierError) || err.retryable) throw err; // retried from this order on
        await ctx.report({ failed: 1, errors: [{ reference: order.reference, message: err.reason }], checkpoint });
        continue;
      }
      const refused = await ctx.db
        .tx(async (q) => {
          // Its status again, locked: someone may have moved it while the courier answered.
          const { rows } = await q.query<{ status: string }>('SELECT status FROM orders WHERE id = $1 AND deleted_at IS NULL FOR UPDATE', [
            order.id,
          ]);
          const now = rows[0];
          if (!now || now.status !== 'new') return now ? notNew(now.status) : 'This order no longer exists.';
          await transitionOrders(q, SYSTEM, order.account_id, [
            { id: order.id, from: 'new', to: 'shipped', comment: null, trackingNumber: tracking, shippingCompanyId: companyId },
          ]);
          await ctx.report({ done: 1, checkpoint }, q);
          return undefined;
        })
        .catch((err: unknown) => {
          // Waiting for stock: the parcel stays at the courier (the same one comes back on the next push).
          if (err instanceof HttpError && err.statusCode === 422) return Object.values(err.errors ?? {}).flat()[0] ?? err.message;
          throw err;
        });
      if (refused) await ctx.report({ failed: 1, errors: [{ reference: order.reference, message: refused }], checkpoint });
    }
    return { shipped: ctx.progress.done, failed: ctx.progress.failed };
  },
});
