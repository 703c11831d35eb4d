import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { normalizePhone } from '../../lib/phone.js';
import { reserveReferences } from '../../lib/references.js';
import { messages } from '../../http/validation.js';
import { appendHistories } from '../shared/history.js';
import { insertLines, type LineInput } from '../shared/lines.js';
import type { ProductRef } from '../products/lookup.js';
import type { Actor } from '../users/actor.js';
import type { OrderStatus } from './schemas.js';

/** domain.md: new → shipped | canceled; shipped → delivered | returned; returned | canceled → new (renew). */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  new: ['shipped', 'canceled'],
  shipped: ['delivered', 'returned'],
  delivered: [],
  returned: ['new'],
  canceled: ['new'],
};

/** The refusal message of a transition, or undefined when it is allowed. */
export function orderTransitionError(from: OrderStatus, to: OrderStatus): string | undefined {
  return NEXT[from].includes(to) ? undefined : messages.statusTransition(from, to);
}

export interface NewOrder {
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

/** Creates orders (status new, history null → new) with set-based inserts; answers their references in order. */
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
  await appendHistories(
    q,
    'order_histories',
    actor,
    accountId,
    ids.map((id) => ({ id, from: null, to: 'new', comment: null })),
  );
  return refs;
}

/** Confirmation: one order per lead, copying its customer and lines, linked both ways. */
export async function createOrdersFromLeads(q: Queryable, actor: Actor, accountId: string, leadIds: string[]): Promise<void> {
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
  await q.query(
    `UPDATE leads l SET order_id = c.id FROM unnest($1::text[], $2::text[]) AS c(id, lead_id) WHERE l.id = c.lead_id`,
    [ids, leadIds],
  );
  await appendHistories(
    q,
    'order_histories',
    actor,
    accountId,
    ids.map((id) => ({ id, from: null, to: 'new', comment: null })),
  );
}

export interface OrderTransition {
  id: string;
  from: OrderStatus;
  to: OrderStatus;
  comment: string | null;
  trackingNumber?: string | null;
  shippingCompanyId?: string | null;
  deliveryUserId?: string | null;
}

/** The one place that writes an order's status: checks, updates and appends the history. */
export async function transitionOrders(q: Queryable, actor: Actor, accountId: string, ts: OrderTransition[]): Promise<void> {
  if (ts.length === 0) return;
  for (const t of ts) {
    const refused = orderTransitionError(t.from, t.to);
    if (refused) throw new Error(`refused transition reached the lifecycle: ${refused}`);
  }
  await q.query(
    `UPDATE orders o SET status = c.to_status, updated_at = now(),
            tracking_number = CASE WHEN c.to_status = 'shipped' THEN c.tracking ELSE o.tracking_number END,
            shipping_company_id = CASE WHEN c.to_status = 'shipped' THEN c.company ELSE o.shipping_company_id END,
            delivery_user_id = CASE WHEN c.to_status = 'shipped' THEN c.courier ELSE o.delivery_user_id END
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS c(id, to_status, tracking, company, courier)
      WHERE o.id = c.id AND o.account_id = $6`,
    [
      ts.map((t) => t.id),
      ts.map((t) => t.to),
      ts.map((t) => t.trackingNumber ?? null),
      ts.map((t) => t.shippingCompanyId ?? null),
      ts.map((t) => t.deliveryUserId ?? null),
      accountId,
    ],
  );
  await appendHistories(
    q,
    'order_histories',
    actor,
    accountId,
    ts.map((t) => ({ id: t.id, from: t.from, to: t.to, comment: t.comment })),
  );
}
