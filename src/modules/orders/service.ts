import type { Static } from '@sinclair/typebox';
import type { Queryable } from '../../db/database.js';
import { compile, ErrorBag } from '../../http/validation.js';
import { normalizePhone } from '../../lib/phone.js';
import { checkSkus } from '../records/lines.js';
import { checkPatchItems, deletableIds, patchEntries, patchRows } from '../records/patch.js';
import { SYSTEM, type Actor } from '../../core/actor.js';
import { createOrders, deleteOrderRows, replaceOrderLines, reserveLockedWaiting, transitionOrders } from './lifecycle.js';
import { lockOrders } from './queries.js';
import { addLineChanges, appendComments } from '../records/history.js';
import { ORDER_FIELDS, OrderBulkPatchBody, OrderCreateBody, OrderInput, OrderPatch } from './schemas.js';
import { forbidden } from '../../http/errors.js';
import { orderMoveRefusal, tokenRoleForbids, type OrderStatus } from './transitions.js';

const createOrdersBody = compile(OrderCreateBody);
const patchOrderBody = compile(OrderPatch);
const bulkPatchOrdersBody = compile(OrderBulkPatchBody);

/** POST /orders: validates everything first (shape and SKUs together), then writes all or nothing. */
export async function createOrdersFromApi(q: Queryable, actor: Actor, accountId: string, body: unknown): Promise<string[]> {
  const bag = new ErrorBag();
  const { orders } = createOrdersBody.check(body, bag);
  const items = Array.isArray(orders) ? orders : [];
  const products = await checkSkus(q, accountId, items, (i) => `orders.${i}.`, bag);
  bag.throwIfAny(OrderCreateBody);
  return createOrders(q, actor, accountId, items, products);
}

export const orderInput = compile(OrderInput);

/** A hand-made order: the same rules as an item of POST /orders, its errors keyed as the form's fields. */
export async function createOrder(q: Queryable, actor: Actor, accountId: string, input: unknown): Promise<string> {
  const bag = new ErrorBag();
  const order = orderInput.check(input, bag);
  const products = await checkSkus(q, accountId, [order], () => '', bag);
  bag.throwIfAny(OrderInput);
  const [reference] = await createOrders(q, actor, accountId, [order], products);
  return reference;
}

type PatchItem = Static<typeof OrderPatch> & { reference: string };
type LockedOrder = Awaited<ReturnType<typeof lockOrders>> extends Map<string, infer R> ? R : never;

const EDITABLE = ORDER_FIELDS;
/** The fields whose edits a history row records (with the lines: `products`): every one the order's form edits. */
const RECORDED = EDITABLE.filter((f) => f !== 'products');
const COLUMNS = {
  full_name: 'text',
  phone: 'text',
  phone_normalized: 'text',
  email: 'text',
  city: 'text',
  area: 'text',
  address: 'text',
  shipment_way: 'smallint',
  is_fees_paid_by_customer: 'boolean',
  total: 'numeric',
} as const;

async function patchOrders(
  q: Queryable,
  actor: Actor,
  accountId: string,
  items: PatchItem[],
  locked: Map<string, LockedOrder>,
  keyOf: (i: number) => string,
  bag: ErrorBag,
): Promise<void> {
  // Items that are not objects are the shape's 422, below.
  const roleForbids = (i: PatchItem | null) => {
    if (typeof i?.reference !== 'string' || i.status === undefined) return false;
    const order = locked.get(i.reference);
    return order !== undefined && tokenRoleForbids(actor, order, i.status as OrderStatus);
  };
  if (items.some(roleForbids)) throw forbidden();
  checkPatchItems(items, locked, keyOf, bag, {
    noun: 'order',
    editable: EDITABLE,
    open: (status) => status === 'new',
    transition: (order, item, k) => orderMoveRefusal(actor, order, item.status as OrderStatus, `${k}status`),
  });
  const products = await checkSkus(q, accountId, items, keyOf, bag);
  bag.throwIfAny(keyOf(0) === '' ? OrderPatch : OrderBulkPatchBody);

  const idOf = (ref: string) => locked.get(ref)!.id;
  // What the edits changed, for the request's history row (docs/decisions.md, "What an edit of an order
  // records"): answered by the statements that write them, no round trip of their own.
  const changes = await patchRows(
    q,
    'orders',
    COLUMNS,
    items.map((item) => {
      const patch: Record<string, unknown> = {};
      for (const f of EDITABLE) if (f !== 'products' && f in item) patch[f] = item[f] ?? null;
      if (item.phone) patch.phone_normalized = normalizePhone(item.phone);
      return { id: idOf(item.reference), patch, touched: Boolean(item.products) };
    }),
    RECORDED,
  );
  const relined = items.filter((i) => i.products).map((i) => ({ id: idOf(i.reference), products: i.products! }));
  addLineChanges(changes, await replaceOrderLines(q, actor, relined, products));
  await transitionOrders(
    q,
    actor,
    accountId,
    items
      .filter((i) => i.status !== undefined)
      .map((i) => ({
        id: idOf(i.reference),
        from: locked.get(i.reference)!.status,
        courierId: locked.get(i.reference)!.delivery_user_id,
        to: i.status as OrderStatus,
        comment: i.comment ?? null,
        changes: changes.get(idOf(i.reference)) ?? null,
      })),
  );
  await appendComments(q, 'order_histories', actor, accountId, items, locked, changes);
  await reserveLockedWaiting(
    q,
    actor,
    items
      .filter((i) => !i.products && i.status === undefined)
      .map((i) => locked.get(i.reference)!)
      .filter((o) => o.status === 'new' && o.waiting_for_stock)
      .map((o) => o.id),
  );
}

/** Single and bulk PATCH; the fields required on create may be left out, not cleared. */
const orderPatches = patchEntries<PatchItem, LockedOrder>({
  table: 'orders',
  one: patchOrderBody,
  bulk: bulkPatchOrdersBody,
  lock: lockOrders,
  apply: patchOrders,
});
export const patchOrder = orderPatches.single;
export const patchOrdersBulk = orderPatches.bulk;

/** Only new and canceled orders can be deleted (soft: kept for audit); a new one's stock is released. */
export async function deleteOrders(
  q: Queryable,
  accountId: string,
  references: string[],
  keyOf: (i: number) => string,
  bag: ErrorBag,
  actor: Actor = SYSTEM,
): Promise<number> {
  const locked = await lockOrders(
    q,
    accountId,
    references.filter((r) => typeof r === 'string'),
  );
  const ids = deletableIds(references, locked, keyOf, bag, (order) =>
    order.status === 'new' || order.status === 'canceled'
      ? undefined
      : `Only new and canceled orders can be deleted; this one is ${order.status}.`,
  );
  await deleteOrderRows(q, actor, ids);
  return ids.length;
}
