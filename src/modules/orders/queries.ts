import type { Actor } from '../../core/actor.js';
import type { Queryable, QueryOptions } from '../../db/database.js';
import { withChanges, withImpersonator } from '../records/history.js';
import { compact, jsonPage, withExtra } from '../../db/paging.js';
import { dateFrom, dateBefore, Where } from '../../db/where.js';
import {
  byReferences,
  ORDERS,
  narrowedBeyondStatus,
  oneByReference,
  recordFilters,
  recordPage,
  recordSearch,
  recordStatusCounts,
  type RecordFilters,
  type PageOptions,
} from '../records/record-list.js';
import { historyOrder, type HistoryFilters } from '../leads/queries.js';
import { CASH_TO_COLLECT } from '../ledger/order-fees.js';
import { WAITING_FOR_STOCK } from '../stocks/effects.js';
import { ORDER_HISTORY_JSON, ORDER_JSON } from './presenter.js';
import type { OrderStatus } from './transitions.js';

export interface OrderFilters extends RecordFilters {
  status?: OrderStatus[];
  tracking_number?: string;
}

export async function orderJson(
  q: Queryable,
  accountId: string,
  reference: string,
  opts?: Pick<QueryOptions, 'last'>,
): Promise<string | undefined> {
  const { rows } = await q.query<{ j: string }>(`SELECT ${ORDER_JSON}::text AS j FROM ${oneByReference(ORDERS)}`, [accountId, reference], {
    last: opts?.last,
  });
  return rows[0] && compact(rows[0].j);
}

/**
 * Which orders a caller sees: one account's, or every account's (`accountId` null: staff),
 * optionally only a courier's (`deliveryUserId`) or those of leads an agent confirmed (`confirmedBy`).
 */
export interface OrderScope {
  accountId: string | null;
  deliveryUserId?: string;
  confirmedBy?: string;
}

const scopeOf = (scope: string | OrderScope): OrderScope => (typeof scope === 'string' ? { accountId: scope } : scope);

function scopeWhere(scope: string | OrderScope): Where {
  const { accountId, deliveryUserId, confirmedBy } = scopeOf(scope);
  const w = new Where();
  if (accountId !== null) w.and(`o.account_id = ${w.param(accountId)}`);
  w.and('o.deleted_at IS NULL');
  if (deliveryUserId !== undefined) w.and(`o.delivery_user_id = ${w.param(deliveryUserId)}`);
  if (confirmedBy !== undefined) {
    w.and(
      `o.lead_id IN (SELECT h.lead_id FROM lead_histories h WHERE h.user_id = ${w.param(confirmedBy)} AND h.new_status = 'confirmed' AND h.old_status IS DISTINCT FROM h.new_status)`,
    );
  }
  return w;
}

/** Of `references`, those of live orders of the account that `scope` sees. */
export async function reachableOrders(q: Queryable, scope: OrderScope & { accountId: string }, references: string[]): Promise<Set<string>> {
  const w = scopeWhere(scope);
  const orders = byReferences(ORDERS, w.param(scope.accountId), w.param(references));
  const { rows } = await q.query<{ reference: string }>(`SELECT o.reference FROM ${orders} ${w}`, w.params);
  return new Set(rows.map((r) => r.reference));
}

/** Whether filters other than the status apply, which the trigger-kept `status_counts` cannot count. */
const narrowed = (s: OrderScope, f: OrderFilters) =>
  narrowedBeyondStatus(f) || Boolean(f.tracking_number) || s.deliveryUserId !== undefined || s.confirmedBy !== undefined;

function orderWhere(scope: string | OrderScope, f: OrderFilters): Where {
  const w = scopeWhere(scope);
  if (f.tracking_number) w.and(`o.tracking_number = ${w.param(f.tracking_number)}`);
  return recordFilters(w, ORDERS, f);
}

/** Sortable columns of the dashboard's list (`created_at` is the index-backed default). */
export const ORDER_SORTS = {
  created_at: 'o.created_at',
  updated_at: 'o.updated_at',
  full_name: 'o.full_name',
  city: 'o.city',
  total: 'o.total',
} as const;
type OrderSort = keyof typeof ORDER_SORTS;

export function orderPage(q: Queryable, scope: string | OrderScope, f: OrderFilters, opts: PageOptions<OrderSort> = {}): Promise<string> {
  const s = scopeOf(scope);
  const p = { accountId: s.accountId, where: orderWhere(s, f), narrowed: narrowed(s, f), f, sorts: ORDER_SORTS };
  return recordPage(q, ORDERS, { ...p, jsonExpr: withExtra(ORDER_JSON, opts.extra) }, { ...opts, defaultSort: 'created_at' });
}

/** The status tabs: the trigger-kept `status_counts` without filters, else one GROUP BY over the filtered orders. */
export function orderStatusCounts(q: Queryable, scope: string | OrderScope, f: OrderFilters): Promise<Map<string, number>> {
  const s = scopeOf(scope);
  return recordStatusCounts(q, ORDERS, {
    accountId: s.accountId,
    narrowed: narrowed(s, f),
    where: () => orderWhere(s, { ...f, status: undefined }),
  });
}

export function orderHistoryPage(
  q: Queryable,
  scope: string | OrderScope,
  f: HistoryFilters,
  opts: PageOptions<never> = {},
): Promise<string> {
  const w = scopeWhere(scope);
  if (f.reference) w.and(`o.reference = ${w.param(f.reference)}`);
  if (f.from) w.and(`h.created_at >= ${w.param(dateFrom(f.from, f.zone))}::timestamptz`);
  if (f.to) w.and(`h.created_at < ${w.param(dateBefore(f.to, f.zone))}::timestamptz`);
  if (f.search) w.and(recordSearch(w, 'o', f.search));
  return jsonPage(q, {
    jsonExpr: withExtra(ORDER_HISTORY_JSON, opts.extra),
    from: 'FROM order_histories h JOIN orders o ON o.id = h.order_id',
    key: 'h.id',
    where: w,
    orderBy: historyOrder(f),
    page: f,
  });
}

export interface OrderRow {
  id: string;
  account_id: string;
  account_name: string;
  reference: string;
  status: OrderStatus;
  lead_id: string | null;
  delivery_user_id: string | null;
  delivery_user_name: string | null;
  /** The cash to collect at the door (ledger/order-fees.ts). */
  cod_amount: number;
  /** New and holding no stock: it cannot be shipped (domain.md). */
  waiting_for_stock: boolean;
}

const ORDER_ROW = `SELECT o.id, o.account_id, a.name AS account_name, o.reference, o.status, o.lead_id, o.delivery_user_id,
                          (SELECT u.full_name FROM users u WHERE u.id = o.delivery_user_id) AS delivery_user_name,
                          ${CASH_TO_COLLECT('o')}::float8 AS cod_amount, ${WAITING_FOR_STOCK('o')} AS waiting_for_stock
                     FROM orders o JOIN accounts a ON a.id = o.account_id`;

/** A live order by internal id, if the scope sees it (else undefined: the pages answer 404). */
export async function findOrder(q: Queryable, scope: OrderScope, id: string): Promise<OrderRow | undefined> {
  const w = scopeWhere(scope);
  w.and(`o.id = ${w.param(id)}`);
  const { rows } = await q.query<OrderRow>(`${ORDER_ROW} ${w}`, w.params);
  return rows[0];
}

/** Live orders among `ids` the scope sees (bulk delete). */
export async function findOrders(q: Queryable, scope: OrderScope, ids: string[]): Promise<Map<string, OrderRow>> {
  const w = scopeWhere(scope);
  w.and(`o.id = ANY(${w.param(ids)}::text[])`);
  const { rows } = await q.query<OrderRow>(`${ORDER_ROW} ${w}`, w.params);
  return new Map(rows.map((r) => [r.id, r]));
}

export interface CourierEventRow {
  at: string;
  status: string;
  note: string | null;
}

/** What the courier said about the order's parcel (status sync), newest first. */
export async function orderEvents(q: Queryable, orderId: string): Promise<CourierEventRow[]> {
  const { rows } = await q.query<CourierEventRow>(
    'SELECT iso_utc(at) AS at, status, note FROM order_events WHERE order_id = $1 ORDER BY at DESC, id DESC LIMIT 200',
    [orderId],
  );
  return rows;
}

/**
 * An order's whole history, oldest first, as API history items; with `impersonator` (the dashboard's
 * timelines), also who impersonated and what each row's request changed (`changes`).
 */
export async function orderHistories(q: Queryable, orderId: string, opts: { impersonator?: boolean } = {}): Promise<string> {
  const json = opts.impersonator ? withChanges(withImpersonator(ORDER_HISTORY_JSON)) : ORDER_HISTORY_JSON;
  const { rows } = await q.query<{ j: string }>(
    `SELECT coalesce(json_agg(${json} ORDER BY h.created_at, h.id), '[]')::text AS j
       FROM order_histories h JOIN orders o ON o.id = h.order_id WHERE h.order_id = $1`,
    [orderId],
  );
  return compact(rows[0].j);
}

interface LockedOrder {
  id: string;
  reference: string;
  status: OrderStatus;
  delivery_user_id: string | null;
  /** With status `new`: its lines hold no stock yet. */
  waiting_for_stock: boolean;
}

export async function lockOrders(q: Queryable, accountId: string, references: string[]): Promise<Map<string, LockedOrder>> {
  const { rows } = await q.query<LockedOrder>(
    `SELECT id, reference, status, delivery_user_id, waiting_for_stock FROM (
       SELECT id, reference, status, delivery_user_id, waiting_for_stock, deleted_at FROM orders
        WHERE id = ANY(ARRAY(SELECT o.id FROM ${byReferences(ORDERS, '$1', '$2')})) ORDER BY id OFFSET 0 FOR UPDATE) locked
      WHERE locked.deleted_at IS NULL`,
    [accountId, [...new Set(references)]],
  );
  return new Map(rows.map((r) => [r.reference, r]));
}

/**
 * Whether another order already carries this tracking number with the same carrier, case aside: a
 * shipping company's orders of any account (the company numbers its parcels), or, with no company
 * (the platform's own couriers), the account's (their number defaults to the order's reference,
 * unique per account only). Orders of every status count; a renewed one no longer has a number.
 * First takes a transaction-scoped advisory lock on the carrier and number, so two shipments of one
 * number at once check one after the other: the caller's transaction writes the number before the
 * lock goes. Indexed by migration 0039.
 */
export async function trackingNumberTaken(
  q: Queryable,
  s: { orderId: string; accountId: string; companyId: string | null; trackingNumber: string },
): Promise<boolean> {
  const carrier = s.companyId ? `company:${s.companyId}` : `account:${s.accountId}`;
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('codops:tracking:' || $1 || ':' || lower($2), 0))`, [
    carrier,
    s.trackingNumber,
  ]);
  const { rows } = s.companyId
    ? await q.query(`SELECT 1 FROM orders WHERE shipping_company_id = $1 AND lower(tracking_number) = lower($2) AND id <> $3 LIMIT 1`, [
        s.companyId,
        s.trackingNumber,
        s.orderId,
      ])
    : await q.query(
        `SELECT 1 FROM orders
          WHERE account_id = $1 AND shipping_company_id IS NULL AND lower(tracking_number) = lower($2) AND id <> $3 LIMIT 1`,
        [s.accountId, s.trackingNumber, s.orderId],
      );
  return rows.length > 0;
}

/** Active shipping companies that ship by hand (`manual`: no courier call), for the ship form. */
export async function manualCompanies(q: Queryable): Promise<{ id: string; name: string }[]> {
  const { rows } = await q.query<{ id: string; name: string }>(
    `SELECT id, name FROM shipping_companies WHERE adapter = 'manual' AND status = 'active' ORDER BY lower(name), id LIMIT 1000`,
  );
  return rows;
}

/** Active delivery people, for the ship form. */
export async function deliveryUsers(q: Queryable): Promise<{ id: string; full_name: string }[]> {
  const { rows } = await q.query<{ id: string; full_name: string }>(
    `SELECT id, full_name FROM users WHERE role = 'delivery' AND status = 'active' AND deleted_at IS NULL ORDER BY lower(full_name), id LIMIT 1000`,
  );
  return rows;
}

/** Which orders an actor sees: a seller their account's, a courier theirs, an agent those they confirmed, other staff all. */
export function orderScopeOf(actor: Actor): OrderScope {
  if (actor.role === 'seller') return { accountId: actor.accountId! };
  if (actor.role === 'delivery') return { accountId: null, deliveryUserId: actor.userId! };
  if (actor.role === 'agent') return { accountId: null, confirmedBy: actor.userId! };
  return { accountId: null };
}

/** A line of an orders export: as a lead's (LeadExportRow) plus tracking number, shipping company and delivered_at. */
export interface OrderExportRow {
  id: string;
  reference: string;
  status: string;
  full_name: string;
  phone: string;
  email: string | null;
  city: string | null;
  area: string | null;
  address: string | null;
  sku: string | null;
  name: string | null;
  quantity: number | null;
  price: number | null;
  total: number;
  created_at: string;
  tracking_number: string | null;
  shipping_company: string | null;
  delivered_at: string | null;
}

export async function orderExportCount(q: Queryable, scope: OrderScope, f: OrderFilters): Promise<number> {
  const w = orderWhere(scope, f);
  const { rows } = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders o ${w}`, w.params);
  return rows[0].n;
}

/** The next `limit` orders of the list `f` after `after` (keyset on the id), a row per product line. */
export async function orderExportBatch(
  q: Queryable,
  scope: OrderScope,
  f: OrderFilters,
  after: string,
  limit: number,
): Promise<OrderExportRow[]> {
  const w = orderWhere(scope, f);
  w.and(`o.id > ${w.param(after)}`);
  const { rows } = await q.query<OrderExportRow>(
    `WITH b AS (SELECT o.* FROM orders o ${w} ORDER BY o.id LIMIT ${w.param(limit)})
     SELECT b.id, b.reference, b.status, b.full_name, b.phone, b.email, b.city, b.area, b.address, ol.sku, ol.name, ol.quantity,
            ol.price::float8 AS price, b.total::float8 AS total, iso_utc(b.created_at) AS created_at, b.tracking_number,
            (SELECT sc.name FROM shipping_companies sc WHERE sc.id = b.shipping_company_id) AS shipping_company,
            CASE WHEN b.status = 'delivered' THEN
              (SELECT iso_utc(max(h.created_at)) FROM order_histories h WHERE h.order_id = b.id AND h.new_status = 'delivered' AND h.old_status IS DISTINCT FROM h.new_status) END AS delivered_at
       FROM b LEFT JOIN order_lines ol ON ol.order_id = b.id
      ORDER BY b.id, ol.position`,
    w.params,
  );
  return rows;
}
