import type { Queryable } from '../../db/database.js';
import { SYSTEM, type Actor } from '../../core/actor.js';
import { HttpError } from '../../http/errors.js';
import { defineJob } from '../../jobs/registry.js';
import { shipRefusals, transitionOrders } from '../orders/lifecycle.js';
import { COD_AMOUNT } from '../ledger/order-fees.js';
import { CourierError, type CourierAdapter, type ParcelRequest } from './courier.js';
import { companyCourier } from './company-courier.js';
import { recordPushFailure } from './push-failures.js';
import { trackingNumberTaken } from '../orders/queries.js';

export interface PushPayload {
  companyId: string;
  /** The selection, in the order it was made; an order not `new` when its turn comes is reported. */
  orderIds: string[];
  /** Who asked: the shipments' history names them (jobs queued before this field: `system`). */
  actor?: Actor;
}

/**
 * Who ships a push's orders. The push policy decides who may push (admins, manager leaders and
 * managers: fulfilment.md); the lifecycle gives a `shipped` move otherwise to the admin alone (the
 * matrix's "assign"). So the push ships as the platform at the pusher's request: the lifecycle sees
 * the system, the history and the stock moves still name the pusher.
 */
export const shipperOf = (pusher: Actor | undefined): Actor => (pusher ? { ...pusher, kind: 'system' } : SYSTEM);

interface PushOrder extends ParcelRequest {
  id: string;
  account_id: string;
  status: string;
  /** The parcels it has used up (orders.parcel_attempts): shipped under, or cancelled. */
  parcel_attempts: number;
  /** Its total as stored: the cash to collect may move with a fee, the order's own amount may not. */
  total: string;
}

/** Whether the order still is what its parcel tells the courier: the customer, the items, the total. */
const sameParcel = (sent: PushOrder, now: PushOrder | undefined) =>
  now !== undefined &&
  sent.total === now.total &&
  JSON.stringify([sent.customer, sent.items]) === JSON.stringify([now.customer, now.items]);

/**
 * The Idempotency-Key of an order's next parcel: the order's id for its first (fulfilment.md), then
 * `<id>-2`, `<id>-3`, … so that a renewed order, or one whose parcel was cancelled, gets a new parcel
 * instead of the one the courier keeps under the old key (docs/decisions.md).
 */
export const parcelKey = (orderId: string, parcelAttempts: number) => (parcelAttempts === 0 ? orderId : `${orderId}-${parcelAttempts + 1}`);

/**
 * An order as the courier protocol wants it (fulfilment.md), or undefined when it is gone; the cash to
 * collect counts the delivery fee of the company it is pushed to when the customer pays it, and the
 * shipment fixes it on the order as sent.
 */
async function pushOrder(q: Queryable, id: string, companyId: string): Promise<PushOrder | undefined> {
  const { rows } = await q.query<PushOrder>(
    `SELECT o.id, o.account_id, o.status, o.parcel_attempts, o.reference, o.total::text AS total, ${COD_AMOUNT('o', '$2')}::float8 AS cod_amount,
            json_build_object('full_name', o.full_name, 'phone', o.phone, 'city', o.city, 'area', o.area, 'address', o.address) AS customer,
            (SELECT coalesce(json_agg(json_build_object('sku', ol.sku, 'name', ol.name, 'quantity', ol.quantity) ORDER BY ol.position), '[]')
               FROM order_lines ol WHERE ol.order_id = o.id) AS items
       FROM orders o WHERE o.id = $1 AND o.deleted_at IS NULL`,
    [id, companyId],
  );
  return rows[0];
}

/**
 * Cancels a parcel made for an order that did not ship under it (fulfilment.md's DELETE, before
 * pickup); once cancelled, the order's next push asks for a new parcel under the next key. A
 * cancellation that fails leaves the parcel live under the same key: the next push gets it back.
 */
async function cancelUnused(q: Queryable, courier: CourierAdapter, order: PushOrder, tracking: string): Promise<string> {
  try {
    await courier.cancelParcel(tracking);
  } catch (err) {
    if (!(err instanceof CourierError)) throw err;
    return ` Its parcel ${tracking} could not be cancelled at the courier: ${err.reason}`;
  }
  await q.query('UPDATE orders SET parcel_attempts = parcel_attempts + 1 WHERE id = $1 AND parcel_attempts = $2', [
    order.id,
    order.parcel_attempts,
  ]);
  return ` Its parcel ${tracking} was cancelled at the courier.`;
}

const notNew = (status: string) => `Only a new order can be pushed; this one is ${status.replace('_', ' ')}.`;

/** Retries of a push after its first run: about 21 minutes of backoff from 5 s. */
const PUSH_RETRIES = 8;

/** Why an order after the one the courier kept failing on was not sent, on the push's last attempt. */
export const stoppedAt = (reference: string, reason: string) =>
  `Not sent: the push stopped at ${reference}, for which the courier kept failing (${reason.replace(/\.$/, '')}). Push it again.`;

/**
 * Pushes a selection of orders to a shipping company (fulfilment.md): one parcel per order, keyed
 * by the order's id and parcel attempt (parcelKey) so that a retry or a run resumed after a crash
 * gets the same parcel back, then the order's one transition to `shipped` (stock leaves the
 * warehouse) and the job's progress in the same transaction. An order the transition would refuse
 * (not new, waiting for stock) is reported before any courier call; one refused after its parcel
 * was made (moved meanwhile) has that parcel cancelled. A 5xx or a timeout stops the run and the
 * job is retried with backoff from that order on; on the last attempt it is that order's error, and
 * the orders after it are reported not sent (`stoppedAt`). A refusal or a malformed answer is that
 * order's error, and the others go on.
 */
export const pushJob = defineJob<PushPayload>({
  kind: 'orders.push',
  label: 'Push to the courier',
  lane: 'urgent',
  retry: { limit: PUSH_RETRIES, delaySeconds: 5 },
  // A courier call lasts 10 s at most: a dead worker's push is taken over within half a minute.
  leaseSeconds: 30,
  async handler(ctx) {
    const { companyId, orderIds } = ctx.payload;
    const { courier } = await companyCourier(ctx.db, ctx.appKey, companyId);
    if (ctx.progress.total !== orderIds.length) await ctx.report({ total: orderIds.length });
    // An order's error, on the job and on the order (its page shows it while it stays new), together.
    const failed = (order: PushOrder, message: string, checkpoint: { next: number }) =>
      ctx.db.tx(async (q) => {
        await recordPushFailure(q, order.id, companyId, message);
        await ctx.report({ failed: 1, errors: [{ reference: order.reference, message }], checkpoint }, q);
      });
    // The last attempt, and the courier still fails on `order`: it is that order's error, and the orders
    // after it are not sent either, each left new with the reason shown (operations.md), instead of
    // the job failing naming none. One transaction, so a crash leaves all of it or nothing.
    const giveUp = (order: PushOrder, reason: string, rest: string[]) =>
      ctx.db.tx(async (q) => {
        const { rows } = await q.query<{ id: string; reference: string; status: string }>(
          'SELECT id, reference, status FROM orders WHERE id = ANY($1::text[])',
          [rest],
        );
        const byId = new Map(rows.map((r) => [r.id, r]));
        const message = stoppedAt(order.reference, reason);
        // The order's own reason and the others' "not sent", in one statement.
        const notSent = rows.filter((r) => r.status === 'new').map((r) => r.id);
        await recordPushFailure(q, [order.id, ...notSent], companyId, [reason, ...notSent.map(() => message)]);
        const errors = [
          { reference: order.reference, message: reason },
          ...rest.map((id) => ({ reference: byId.get(id)?.reference ?? id, message })),
        ];
        await ctx.report({ failed: errors.length, errors, checkpoint: { next: orderIds.length } }, q);
      });
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
      // The transition's own check, asked before the courier call: no parcel for an order that cannot ship.
      const cannotShip = (await shipRefusals(ctx.db, [{ id: order.id, companyId }])).get(order.id);
      if (cannotShip) {
        await failed(order, cannotShip, checkpoint);
        continue;
      }
      let tracking: string;
      try {
        // The protocol's fields only (fulfilment.md), not the order's own id, account and status.
        const { reference, customer, cod_amount, items } = order;
        const key = parcelKey(order.id, order.parcel_attempts);
        tracking = (await courier.createParcel(key, { reference, customer, cod_amount, items }))!.tracking_number;
      } catch (err) {
        if (!(err instanceof CourierError)) throw err;
        if (!err.retryable) {
          await failed(order, err.reason, checkpoint);
          continue;
        }
        if (ctx.attempt <= PUSH_RETRIES) throw err; // retried from this order on
        await giveUp(order, err.reason, orderIds.slice(next + 1));
        break;
      }
      // The parcel the courier answered with travels with an order already: never cancelled here.
      let keepParcel = false;
      let refused = await ctx.db
        .tx(async (q) => {
          // Its status again, locked: someone may have moved it while the courier answered.
          const { rows } = await q.query<{ status: string; tracking_number: string | null }>(
            'SELECT status, tracking_number FROM orders WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
            [order.id],
          );
          const now = rows[0];
          // The order's own tracking number: shipped under it by another push, or its returned parcel.
          keepParcel = now?.tracking_number === tracking;
          if (!now || now.status !== 'new') return now ? notNew(now.status) : 'This order no longer exists.';
          if (keepParcel) return `The courier answered with the parcel of an earlier delivery attempt (${tracking}).`;
          // Another order of this company travels under that number: one parcel would deliver both.
          keepParcel = await trackingNumberTaken(q, {
            orderId: order.id,
            accountId: order.account_id,
            companyId,
            trackingNumber: tracking,
          });
          if (keepParcel) return `The courier answered with tracking number ${tracking}, which another of its orders already carries.`;
          // Edited while the courier answered: the parcel would carry other goods, address or amount.
          if (!sameParcel(order, await pushOrder(q, order.id, companyId)))
            return 'This order was changed while the courier made its parcel: push it again.';
          await transitionOrders(q, shipperOf(ctx.payload.actor), order.account_id, [
            // The cash to collect is fixed as the parcel told the courier, whatever a fee did since.
            {
              id: order.id,
              from: 'new',
              to: 'shipped',
              comment: null,
              trackingNumber: tracking,
              shippingCompanyId: companyId,
              codAmount: order.cod_amount,
            },
          ]);
          await q.query('UPDATE orders SET parcel_attempts = parcel_attempts + 1 WHERE id = $1', [order.id]);
          await ctx.report({ done: 1, checkpoint }, q);
          return undefined;
        })
        .catch((err: unknown) => {
          // Waiting for stock since the check above (a race): refused like the others.
          if (err instanceof HttpError && err.statusCode === 422) return Object.values(err.errors ?? {}).flat()[0] ?? err.message;
          throw err;
        });
      if (!refused) continue;
      if (!keepParcel) refused += await cancelUnused(ctx.db, courier, order, tracking);
      await failed(order, refused, checkpoint);
    }
    return { shipped: ctx.progress.done, failed: ctx.progress.failed };
  },
});
