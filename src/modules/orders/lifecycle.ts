import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { normalizePhone } from '../../lib/phone.js';
import { reserveReferences } from '../../lib/references.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { appendCreated, appendHistories, type HistoryChanges } from '../records/history.js';
import { insertLines, replaceLines, type LineInput, type LineValue } from '../records/lines.js';
import { recordOrderEvents } from '../events/outbox.js';
import { ORDERS } from '../records/record-list.js';
import { deletedProductsOf, unsoldProducts } from '../records/unsold-products.js';
import type { ProductRef } from '../products/lookup.js';
import {
  applyOrderTransitions,
  lockStockOfOrders,
  ordersWaitingForStock,
  releaseOrders,
  reserveOrders,
  retryWaitingOrders,
  waitingForStockMessage,
} from '../stocks/effects.js';
import type { Actor } from '../../core/actor.js';
import { bookOrderMoves } from '../ledger/book.js';
import { COD_AMOUNT } from '../ledger/order-fees.js';
import { BARCODABLE } from '../shipping/labels.js';
import { deliveryUsers, manualCompanies, trackingNumberTaken } from './queries.js';
import { orderMoveNeeds, orderMoveRefusal, orderStockEffect, type OrderState, type OrderStatus } from './transitions.js';

/** What a shipment by hand is given (the status form). */
interface ShipInput {
  tracking_number?: string | null;
  delivery_user_id?: string | null;
  shipping_company_id?: string | null;
}

/** The tracking number a shipment by hand gets: the one typed, else, with one of our couriers, the order's reference. */
export const shipTrackingNumber = (input: ShipInput, reference: string): string | null =>
  input.tracking_number ?? (input.delivery_user_id ? reference : null);

/**
 * A dashboard move's checks, in the order the page reports them: the move itself, then what it
 * needs (an active courier, required once any exists; a tracking number, unless the order goes
 * with one of our own couriers: then the page uses the order's reference). A shipment goes with a
 * manual company or a courier, never both.
 */
export async function checkOrderMove(
  q: Queryable,
  actor: Actor,
  order: OrderState & { id: string; reference: string; account_id: string },
  input: ShipInput & { status: OrderStatus },
  bag: ErrorBag,
): Promise<void> {
  const refused = orderMoveRefusal(actor, order, input.status);
  if (refused) return bag.add('status', refused);
  const needs = orderMoveNeeds(order.status, input.status);
  // Shipping by hand through a `manual` company (fulfilment.md): its tracking number instead of a courier.
  const byHand = Boolean(input.shipping_company_id) && needs.includes('delivery_user_id');
  // One way or the other: a parcel handed to a company is not also a courier's to collect.
  if (byHand && input.delivery_user_id)
    return bag.add('shipping_company_id', messages.prohibits('shipping_company_id', 'delivery_user_id'));
  if (byHand && !(await manualCompanies(q)).some((c) => c.id === input.shipping_company_id))
    bag.add('shipping_company_id', messages.invalid('shipping_company_id'));
  if (needs.includes('tracking_number') && !input.tracking_number && (byHand || !input.delivery_user_id))
    bag.add('tracking_number', messages.required('tracking_number'));
  // The label's Code 128 barcode carries printable ASCII only: anything else would scan as other text.
  if (needs.includes('tracking_number') && input.tracking_number && !BARCODABLE.test(input.tracking_number))
    bag.add('tracking_number', messages.format('tracking_number'));
  // One parcel per number at a carrier (Laravel's `unique`): the number the order would ship under, typed or its reference.
  const tracking = needs.includes('tracking_number') ? shipTrackingNumber(input, order.reference) : null;
  if (tracking && !bag.has('tracking_number') && !bag.has('shipping_company_id')) {
    const companyId = byHand ? input.shipping_company_id! : null;
    if (await trackingNumberTaken(q, { orderId: order.id, accountId: order.account_id, companyId, trackingNumber: tracking }))
      bag.add(
        'tracking_number',
        // Nothing typed: say which number was taken, or the user is told a number they never entered is.
        input.tracking_number
          ? messages.unique('tracking_number')
          : `Left empty, the tracking number is the order's reference ${tracking}, which another order already carries: type a tracking number.`,
      );
  }
  if (needs.includes('delivery_user_id')) {
    const couriers = await deliveryUsers(q);
    if (input.delivery_user_id) {
      if (!couriers.some((c) => c.id === input.delivery_user_id)) bag.add('delivery_user_id', messages.invalid('delivery_user_id'));
    } else if (couriers.length > 0 && !byHand) bag.add('delivery_user_id', messages.required('delivery_user_id'));
  }
}

interface NewOrder {
  full_name: string;
  phone: string;
  email?: string | null;
  city: string;
  area?: string | null;
  address: string;
  shipment_way?: number;
  is_fees_paid_by_customer: boolean;
  total: number;
  products: LineInput[];
}

/**
 * Creates orders (status new, history null → new) with set-based inserts and reserves their stock
 * (or marks them waiting for stock); answers their references in order.
 */
export async function createOrders(
  q: Queryable,
  actor: Actor,
  accountId: string,
  orders: NewOrder[],
  products: Map<string, ProductRef>,
): Promise<string[]> {
  const refs = await reserveReferences(q, accountId, 'order', orders.length);
  const ids = orders.map(() => newId());
  await q.query(
    `INSERT INTO orders (id, account_id, reference, full_name, phone, phone_normalized, email, city, area, address,
                         shipment_way, is_fees_paid_by_customer, total)
     SELECT c.id, $1, c.reference, c.full_name, c.phone, c.phone_normalized, c.email, c.city, c.area, c.address,
            c.shipment_way, c.fees, c.total
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                   $10::text[], $11::smallint[], $12::boolean[], $13::numeric[])
         AS c(id, reference, full_name, phone, phone_normalized, email, city, area, address, shipment_way, fees, total)`,
    [
      accountId,
      ids,
      refs,
      orders.map((o) => o.full_name),
      orders.map((o) => o.phone),
      orders.map((o) => normalizePhone(o.phone)),
      orders.map((o) => o.email ?? null),
      orders.map((o) => o.city),
      orders.map((o) => o.area ?? null),
      orders.map((o) => o.address),
      orders.map((o) => o.shipment_way ?? 1),
      orders.map((o) => o.is_fees_paid_by_customer),
      orders.map((o) => o.total),
    ],
  );
  await insertLines(
    q,
    'order_lines',
    orders.map((o, i) => ({ id: ids[i], products: o.products })),
    products,
  );
  await appendCreated(q, 'order_histories', actor, accountId, ids);
  await reserveOrders(q, actor, ids);
  await recordOrderEvents(
    q,
    'order.created',
    accountId,
    ids.map((id) => ({ id })),
  );
  return refs;
}

/**
 * Confirmation: one order per lead, copying its customer and lines, linked both ways, reserving its
 * stock. `stockLocked`: the caller already holds the account's stock lock (transitionLeads takes it
 * for its check of the leads' products, and keeps it until the reservation).
 */
export async function createOrdersFromLeads(
  q: Queryable,
  actor: Actor,
  accountId: string,
  leadIds: string[],
  stockLocked = false,
): Promise<void> {
  if (leadIds.length === 0) return;
  const refs = await reserveReferences(q, accountId, 'order', leadIds.length);
  const ids = leadIds.map(() => newId());
  await q.query(
    `INSERT INTO orders (id, account_id, reference, lead_id, full_name, phone, phone_normalized, city, area, address, total)
     SELECT c.id, l.account_id, c.reference, l.id, l.full_name, l.phone, l.phone_normalized, l.city, l.area, l.address, l.total
       FROM unnest($1::text[], $2::text[], $3::text[]) AS c(id, reference, lead_id) JOIN leads l ON l.id = c.lead_id`,
    [ids, refs, leadIds],
  );
  await q.query(
    `INSERT INTO order_lines (order_id, position, product_id, sku, name, quantity, price)
     SELECT c.id, ll.position, ll.product_id, ll.sku, ll.name, ll.quantity, ll.price
       FROM unnest($1::text[], $2::text[]) AS c(id, lead_id) JOIN lead_lines ll ON ll.lead_id = c.lead_id`,
    [ids, leadIds],
  );
  await q.query(`UPDATE leads l SET order_id = c.id FROM unnest($1::text[], $2::text[]) AS c(id, lead_id) WHERE l.id = c.lead_id`, [
    ids,
    leadIds,
  ]);
  await appendCreated(q, 'order_histories', actor, accountId, ids);
  await reserveOrders(q, actor, ids, stockLocked);
  await recordOrderEvents(
    q,
    'order.created',
    accountId,
    ids.map((id) => ({ id })),
  );
}

interface OrderTransition {
  id: string;
  from: OrderStatus;
  /** The order's courier before the move (a courier may move only their own orders). */
  courierId?: string | null;
  to: OrderStatus;
  comment: string | null;
  /** What the same request changed of the order's fields and lines, kept on its history row. */
  changes?: HistoryChanges | null;
  trackingNumber?: string | null;
  shippingCompanyId?: string | null;
  deliveryUserId?: string | null;
  /**
   * A shipment's cash to collect when the caller already told it to the courier (a push's parcel):
   * fixed on the order as told. Without it a shipment fixes today's amount for its company.
   */
  codAmount?: number | null;
  /** Where a refusal is reported (default `status`; bulk callers pass `orders.<i>.status`). */
  key?: string;
}

/** A shipment about to be made: the order, and the shipping company it goes with (none: a courier of ours). */
export interface Shipment {
  id: string;
  companyId?: string | null;
}

/**
 * Of these shipments of new orders, those that cannot be made now, id → the 422 message: waiting for
 * stock, or a company whose cities do not include the order's (it has no fee there, and no courier;
 * a company that lists no city serves them all). The check transitionOrders makes before any
 * `shipped`, asked as well by a caller that must know before doing something it cannot undo (the
 * push job, before it calls the courier).
 */
export async function shipRefusals(q: Queryable, ships: Shipment[]): Promise<Map<string, string>> {
  const waiting = await ordersWaitingForStock(
    q,
    ships.map((s) => s.id),
  );
  const refusals = new Map([...waiting].map(([id, reference]) => [id, waitingForStockMessage(reference)]));
  const withCompany = ships.filter((s) => s.companyId && !refusals.has(s.id));
  if (withCompany.length === 0) return refusals;
  const { rows } = await q.query<{ id: string; reference: string; city: string | null; company: string }>(
    `SELECT o.id, o.reference, o.city, c.name AS company
       FROM unnest($1::text[], $2::text[]) AS s(id, company_id)
       JOIN orders o ON o.id = s.id
       JOIN shipping_companies c ON c.id = s.company_id
      WHERE EXISTS (SELECT 1 FROM shipping_company_cities sc WHERE sc.shipping_company_id = c.id)
        AND NOT EXISTS (SELECT 1 FROM shipping_company_cities sc JOIN cities ci ON ci.id = sc.city_id
                         WHERE sc.shipping_company_id = c.id AND lower(ci.name) = lower(o.city))`,
    [withCompany.map((s) => s.id), withCompany.map((s) => s.companyId)],
  );
  for (const r of rows) refusals.set(r.id, notServedMessage(r.reference, r.company, r.city));
  return refusals;
}

const notServedMessage = (reference: string, company: string, city: string | null) =>
  city
    ? `The order ${reference} cannot be shipped with ${company}: it does not deliver to ${city}.`
    : `The order ${reference} has no city: ${company} delivers only to the cities it lists.`;

/**
 * The one place that writes an order's status: checks, updates, appends the history and applies
 * the stock rule (src/modules/stocks/effects.ts) and books the ledger (src/modules/ledger/book.ts). Shipping an order that is waiting for stock is a
 * 422 on `status` (nothing written). `from` must be the order's current status (lock it first).
 * A shipment fixes the cash to collect on the order (`cod_amount`, finance.md) in the same UPDATE,
 * whoever carries it (a company, pushed or by hand, or one of our couriers); a renew clears it, so
 * the next shipment fixes it anew.
 */
export async function transitionOrders(q: Queryable, actor: Actor, accountId: string, ts: OrderTransition[]): Promise<void> {
  if (ts.length === 0) return;
  for (const t of ts) {
    const refused = orderMoveRefusal(actor, { status: t.from, delivery_user_id: t.courierId ?? null }, t.to);
    if (refused) throw new Error(`refused transition reached the lifecycle: ${refused}`);
  }
  const shipping = ts.filter((t) => t.to === 'shipped');
  const refusals = await shipRefusals(
    q,
    shipping.map((t) => ({ id: t.id, companyId: t.shippingCompanyId })),
  );
  // Renewed or reopened, an order reserves again: not one naming a deleted product (it would wait forever).
  const renewing = ts.filter((t) => t.to === 'new').map((t) => t.id);
  for (const [id, skus] of await deletedProductsOf(q, accountId, ORDERS, renewing))
    refusals.set(id, `${unsoldProducts(skus)} no longer sold: this order cannot be new again.`);
  if (refusals.size > 0) {
    const bag = new ErrorBag();
    for (const t of ts) if (refusals.has(t.id)) bag.add(t.key ?? 'status', refusals.get(t.id)!);
    bag.throwIfAny();
  }
  const updated = await q.query(
    `UPDATE orders o SET status = c.to_status, updated_at = now(),
            tracking_number = CASE c.to_status WHEN 'shipped' THEN c.tracking WHEN 'new' THEN NULL ELSE o.tracking_number END,
            shipping_company_id = CASE c.to_status WHEN 'shipped' THEN c.company WHEN 'new' THEN NULL ELSE o.shipping_company_id END,
            delivery_user_id = CASE WHEN c.to_status = 'shipped' THEN c.courier ELSE o.delivery_user_id END,
            cod_amount = CASE c.to_status WHEN 'shipped' THEN coalesce(c.cod, ${COD_AMOUNT('o', 'c.company')})
                                          WHEN 'new' THEN NULL ELSE o.cod_amount END
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $7::text[], $8::numeric[])
             AS c(id, to_status, tracking, company, courier, from_status, cod)
      WHERE o.id = c.id AND o.account_id = $6 AND o.status = c.from_status AND o.deleted_at IS NULL`,
    [
      ts.map((t) => t.id),
      ts.map((t) => t.to),
      ts.map((t) => t.trackingNumber ?? null),
      ts.map((t) => t.shippingCompanyId ?? null),
      ts.map((t) => t.deliveryUserId ?? null),
      accountId,
      ts.map((t) => t.from),
      ts.map((t) => t.codAmount ?? null),
    ],
  );
  // The stock effects follow `from`: a stale one would move the wrong goods.
  if (updated.rowCount !== new Set(ts.map((t) => t.id)).size) throw new Error('an order transition named a status the order no longer has');
  await appendHistories(
    q,
    'order_histories',
    actor,
    accountId,
    ts.map((t) => ({ id: t.id, from: t.from, to: t.to, comment: t.comment, changes: t.changes ?? null })),
  );
  await applyOrderTransitions(
    q,
    actor,
    ts.map((t) => ({ id: t.id, effect: orderStockEffect(t.from, t.to) })),
  );
  // The money of each delivery attempt (finance.md), booked with the move or not at all.
  await bookOrderMoves(
    q,
    actor,
    accountId,
    ts.flatMap((t) => (t.to === 'delivered' || t.to === 'returned' ? [{ id: t.id, to: t.to }] : [])),
  );
  await recordOrderEvents(
    q,
    'order.status_changed',
    accountId,
    ts.filter((t) => t.to !== t.from).map((t) => ({ id: t.id, previousStatus: t.from })),
  );
}

/**
 * Replaces the lines of new orders (an edit): their reservations are released, the new lines
 * reserve again, and what the old lines freed is offered to waiting orders. Answers, by order, the
 * lines that changed as [old, new] (replaceLines), for the edit's history row.
 */
export async function replaceOrderLines(
  q: Queryable,
  actor: Actor,
  parents: { id: string; products: LineInput[] }[],
  products: Map<string, ProductRef>,
): Promise<Map<string, [LineValue[], LineValue[]]>> {
  if (parents.length === 0) return new Map();
  const ids = parents.map((p) => p.id);
  await lockStockOfOrders(q, ids);
  const freed = await releaseOrders(q, actor, ids, 'Order lines changed');
  const changed = await replaceLines(q, 'order_lines', parents, products);
  await reserveOrders(q, actor, ids);
  await retryWaitingOrders(q, actor, freed);
  return changed;
}

/**
 * New orders waiting for stock that the caller's transaction holds locked (an edit of their fields):
 * a retry that ran meanwhile skipped them (`retryWaitingOrders` takes SKIP LOCKED), so they try their
 * reservation now, after the stock lock, rather than wait for the product's next movement.
 */
export async function reserveLockedWaiting(q: Queryable, actor: Actor, ids: string[]): Promise<void> {
  await reserveOrders(q, actor, ids);
}

/**
 * Soft-deletes orders (new or canceled; the caller checks): a new order's reservation is released
 * first. The confirmed lead an order came from stops naming it (`order_reference` null), as the
 * order is gone from the API and the dashboard; the order's row keeps `lead_id` for audit.
 */
export async function deleteOrderRows(q: Queryable, actor: Actor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await lockStockOfOrders(q, ids);
  const freed = await releaseOrders(q, actor, ids, 'Order deleted');
  await q.query('UPDATE orders SET deleted_at = now(), updated_at = now() WHERE id = ANY($1::text[])', [ids]);
  await q.query('UPDATE leads SET order_id = NULL, updated_at = now() WHERE order_id = ANY($1::text[])', [ids]);
  await retryWaitingOrders(q, actor, freed);
}
