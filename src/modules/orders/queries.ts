import type { Queryable } from '../../db/database.js';
import { normalizePhone } from '../../lib/phone.js';
import { compact, dateBound, jsonPage, Where, type PageRequest } from '../shared/listing.js';
import type { HistoryFilters } from '../leads/queries.js';
import { ORDER_HISTORY_JSON, ORDER_JSON } from './presenter.js';
import type { OrderStatus } from './schemas.js';

export interface OrderFilters extends PageRequest {
  status?: OrderStatus[];
  reference?: string;
  phone?: string;
  sku?: string;
  tracking_number?: string;
  created_from?: string;
  created_to?: string;
}

export async function orderJson(q: Queryable, accountId: string, reference: string): Promise<string | undefined> {
  const { rows } = await q.query<{ j: string }>(
    `SELECT ${ORDER_JSON}::text AS j FROM orders o WHERE o.account_id = $1 AND o.reference = $2 AND o.deleted_at IS NULL`,
    [accountId, reference],
  );
  return rows[0] && compact(rows[0].j);
}

export function orderWhere(accountId: string, f: OrderFilters): Where {
  const w = new Where();
  w.and(`o.account_id = ${w.param(accountId)}`).and('o.deleted_at IS NULL');
  if (f.status?.length) w.and(`o.status = ANY(${w.param(f.status)}::text[])`);
  if (f.reference) w.and(`o.reference = ${w.param(f.reference)}`);
  if (f.phone) w.and(`o.phone_normalized = ${w.param(normalizePhone(f.phone))}`);
  if (f.tracking_number) w.and(`o.tracking_number = ${w.param(f.tracking_number)}`);
  if (f.sku) {
    w.and(`o.id IN (SELECT ol.order_id FROM order_lines ol JOIN products p ON p.id = ol.product_id
                     WHERE p.account_id = o.account_id AND p.sku = ${w.param(f.sku)})`);
  }
  if (f.created_from) w.and(`o.created_at >= ${w.param(dateBound(f.created_from, false))}::timestamptz`);
  if (f.created_to) w.and(`o.created_at <= ${w.param(dateBound(f.created_to, true))}::timestamptz`);
  return w;
}

export function orderPage(q: Queryable, accountId: string, f: OrderFilters): Promise<string> {
  return jsonPage(q, {
    jsonExpr: ORDER_JSON,
    from: 'FROM orders o',
    where: orderWhere(accountId, f),
    orderBy: [
      ['o.created_at', 'DESC'],
      ['o.id', 'DESC'],
    ],
    page: f,
  });
}

export function orderHistoryPage(q: Queryable, accountId: string, f: HistoryFilters): Promise<string> {
  const w = new Where();
  w.and(`h.account_id = ${w.param(accountId)}`).and('o.deleted_at IS NULL');
  if (f.reference) w.and(`o.reference = ${w.param(f.reference)}`);
  if (f.from) w.and(`h.created_at >= ${w.param(dateBound(f.from, false))}::timestamptz`);
  if (f.to) w.and(`h.created_at <= ${w.param(dateBound(f.to, true))}::timestamptz`);
  return jsonPage(q, {
    jsonExpr: ORDER_HISTORY_JSON,
    from: 'FROM order_histories h JOIN orders o ON o.id = h.order_id',
    where: w,
    orderBy: [
      ['h.created_at', 'DESC'],
      ['h.id', 'DESC'],
    ],
    page: f,
  });
}

export interface LockedOrder {
  id: string;
  reference: string;
  status: OrderStatus;
}

export async function lockOrders(q: Queryable, accountId: string, references: string[]): Promise<Map<string, LockedOrder>> {
  const { rows } = await q.query<LockedOrder>(
    `SELECT id, reference, status FROM orders
      WHERE account_id = $1 AND reference = ANY($2::text[]) AND deleted_at IS NULL
      ORDER BY id FOR UPDATE`,
    [accountId, [...new Set(references)]],
  );
  return new Map(rows.map((r) => [r.reference, r]));
}
