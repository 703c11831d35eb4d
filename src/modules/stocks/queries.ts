import type { Actor } from '../../core/actor.js';
import type { Queryable } from '../../db/database.js';
import { Where } from '../../db/where.js';
import { contains } from '../../db/where.js';
import { fetchPage, sortedPage } from '../../db/paging.js';
import type { ListParams } from '../../web/list-query.js';
import type { WebUser } from '../../web/types.js';
import type { StockReason } from './effects.js';
import type { StockStatus } from './schemas.js';
import { IMPERSONATOR } from '../records/history.js';

interface StockJson {
  id: string;
  product_id: string;
  warehouse_id: string;
  quantity: number;
  reserved: number;
  warning_quantity: number;
  status: StockStatus;
}

export interface StockHistoryJson {
  id: number;
  stock_id: string;
  reason: StockReason;
  change: number;
  reserved_change: number;
  quantity_after: number;
  reserved_after: number;
  order_id: string | null;
  order_reference: string | null;
  comment: string | null;
  changed_by: string;
  /** The admin logged in as `changed_by` when it was made (domain.md: both people), else null. */
  impersonated_by: string | null;
  created_at: string;
}

/** What a stock row of a page shows beside its JSON. */
export interface StockRow {
  data: StockJson;
  product_name: string;
  sku: string;
  account_id: string;
  account_name: string;
  warehouse_name: string;
  available: number;
  low: boolean;
}

export interface StockDetail extends StockRow {
  created_at: string;
  updated_at: string;
  /** Whether the stock ever moved (its product and warehouse are fixed from then on). */
  moved: boolean;
  /** Orders of its product waiting for stock. */
  waiting_orders: number;
}

/** The JSON representation of a stock (dashboard.md), built by the database from alias `s`. */
const STOCK_JSON = `json_build_object('id', s.id, 'product_id', s.product_id, 'warehouse_id', s.warehouse_id,
  'quantity', s.quantity, 'reserved', s.reserved, 'warning_quantity', s.warning_quantity, 'status', s.status)`;

/** A stock-history row as JSON, from aliases `h` (history) and `o` (its order, left-joined). */
const STOCK_HISTORY_JSON = `json_build_object('id', h.id, 'stock_id', h.stock_id, 'reason', h.reason,
  'change', h.change, 'reserved_change', h.reserved_change, 'quantity_after', h.quantity_after, 'reserved_after', h.reserved_after,
  'order_id', h.order_id, 'order_reference', o.reference, 'comment', h.comment, 'changed_by', h.changed_by,
  'impersonated_by', ${IMPERSONATOR}, 'created_at', iso_utc(h.created_at))`;

const STOCK_FROM = `FROM stocks s JOIN products p ON p.id = s.product_id JOIN warehouses w ON w.id = s.warehouse_id
  JOIN accounts a ON a.id = p.account_id`;

const ROW_SELECT = `${STOCK_JSON} AS data, p.name AS product_name, p.sku, p.account_id, a.name AS account_name,
  w.name AS warehouse_name, (s.quantity - s.reserved) AS available, (s.quantity - s.reserved <= s.warning_quantity) AS low`;

/** Low stock (operations.md): what is available is at or under the warning quantity. */
const LOW = 's.quantity - s.reserved <= s.warning_quantity';

const SORTS: Record<string, string> = {
  product: 'lower(p.name)',
  warehouse: 'lower(w.name)',
  quantity: 's.quantity',
  available: '(s.quantity - s.reserved)',
  created_at: 's.created_at',
};
export const STOCK_SORTS = Object.keys(SORTS);

export interface StockFilters extends ListParams {
  warehouse_id?: string;
  product_id?: string;
  account_id?: string;
  low_stock?: boolean;
}

export async function listStocks(q: Queryable, user: WebUser, f: StockFilters) {
  const w = scopeStocks(user, new Where().and('s.deleted_at IS NULL'));
  if (f.search) {
    const like = w.param(contains(f.search));
    w.and(`(p.name ILIKE ${like} OR p.sku ILIKE ${like})`);
  }
  if (f.warehouse_id) w.and(`s.warehouse_id = ${w.param(f.warehouse_id)}`);
  if (f.product_id) w.and(`s.product_id = ${w.param(f.product_id)}`);
  if (f.account_id) w.and(`p.account_id = ${w.param(f.account_id)}`);
  if (f.status) w.and(`s.status = ${w.param(f.status)}`);
  if (f.low_stock) w.and(LOW);
  return sortedPage<StockRow>(q, {
    select: ROW_SELECT,
    from: STOCK_FROM,
    where: w,
    sorts: SORTS,
    defaultSort: 'created_at',
    key: 's.id',
    list: f,
  });
}

/** A stock the user may see, or undefined (404). */
export async function findStock(q: Queryable, user: WebUser, id: string): Promise<StockDetail | undefined> {
  const w = scopeStocks(user, new Where().and('s.deleted_at IS NULL'));
  w.and(`s.id = ${w.param(id)}`);
  const { rows } = await q.query<StockDetail>(
    `SELECT ${ROW_SELECT}, iso_utc(s.created_at) AS created_at, iso_utc(s.updated_at) AS updated_at,
            EXISTS (SELECT 1 FROM stock_histories h WHERE h.stock_id = s.id) AS moved,
            (SELECT count(DISTINCT o.id) FROM order_lines ol JOIN orders o ON o.id = ol.order_id
              WHERE ol.product_id = s.product_id AND o.status = 'new' AND o.waiting_for_stock AND o.deleted_at IS NULL)::int AS waiting_orders
       ${STOCK_FROM} ${w}`,
    w.params,
  );
  return rows[0];
}

/** The JSON of one stock, by id (no scope: for answering a write the caller already checked). */
export async function stockJson(q: Queryable, id: string): Promise<StockJson> {
  const { rows } = await q.query<{ data: StockJson }>(`SELECT ${STOCK_JSON} AS data FROM stocks s WHERE s.id = $1`, [id]);
  return rows[0].data;
}

/** The latest history rows of one stock, newest first. */
export async function latestHistories(q: Queryable, stockId: string, limit = 100): Promise<StockHistoryJson[]> {
  const { rows } = await q.query<{ data: StockHistoryJson }>(
    `SELECT ${STOCK_HISTORY_JSON} AS data FROM stock_histories h LEFT JOIN orders o ON o.id = h.order_id
      WHERE h.stock_id = $1 ORDER BY h.id DESC LIMIT $2`,
    [stockId, limit],
  );
  return rows.map((r) => r.data);
}

export interface HistoryRow {
  data: StockHistoryJson;
  product_name: string;
  sku: string;
  warehouse_name: string;
  account_name: string;
}

export interface HistoryFilters extends ListParams {
  stock_id?: string;
  warehouse_id?: string;
  reason?: StockReason;
}

/** `/stocks-histories`: movements of the stocks the user may see, newest first. */
export async function listHistories(q: Queryable, user: WebUser, f: HistoryFilters) {
  const w = scopeStocks(user, new Where().and('s.deleted_at IS NULL'));
  if (f.stock_id) w.and(`h.stock_id = ${w.param(f.stock_id)}`);
  if (f.warehouse_id) w.and(`s.warehouse_id = ${w.param(f.warehouse_id)}`);
  if (f.reason) w.and(`h.reason = ${w.param(f.reason)}`);
  if (f.search) {
    const like = w.param(contains(f.search));
    w.and(`(p.name ILIKE ${like} OR p.sku ILIKE ${like} OR o.reference = ${w.param(f.search)})`);
  }
  const dir = f.direction === 'asc' ? 'ASC' : 'DESC';
  return fetchPage<HistoryRow>(q, {
    select: `${STOCK_HISTORY_JSON} AS data, p.name AS product_name, p.sku, w.name AS warehouse_name, a.name AS account_name`,
    from: `FROM stock_histories h JOIN stocks s ON s.id = h.stock_id JOIN products p ON p.id = s.product_id
      JOIN warehouses w ON w.id = s.warehouse_id JOIN accounts a ON a.id = p.account_id LEFT JOIN orders o ON o.id = h.order_id`,
    where: w,
    orderBy: `h.id ${dir}`,
    page: f.page,
    perPage: f.per_page,
  });
}

/** The open orders holding a reservation on this stock, oldest first. */
export async function reservingOrders(q: Queryable, stockId: string, limit = 20) {
  const { rows } = await q.query<{ id: string; reference: string; quantity: number; created_at: string }>(
    `SELECT o.id, o.reference, sum(ol.quantity)::int AS quantity, iso_utc(o.created_at) AS created_at
       FROM order_lines ol JOIN orders o ON o.id = ol.order_id
      WHERE ol.stock_id = $1 AND o.status = 'new' AND o.deleted_at IS NULL
      GROUP BY o.id ORDER BY o.created_at, o.id LIMIT $2`,
    [stockId, limit],
  );
  return rows;
}

/** [id, label] of the products a stock can be made for (any live product; labelled with its account). */
export async function productOptions(q: Queryable, limit = 2000): Promise<[string, string][]> {
  const { rows } = await q.query<{ id: string; label: string }>(
    `SELECT p.id, p.name || ' (' || p.sku || ') · ' || a.name || CASE WHEN p.status = 'inactive' THEN ' · inactive' ELSE '' END AS label
       FROM products p JOIN accounts a ON a.id = p.account_id
      WHERE p.deleted_at IS NULL ORDER BY lower(a.name), lower(p.name), p.id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => [r.id, r.label]);
}

/** Whether a live product exists. */
export async function productExists(q: Queryable, id: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM products WHERE id = $1 AND deleted_at IS NULL', [id]);
  return rows.length > 0;
}

/** [id, name] of the warehouses the user may put stock in: a stock manager's own, else every one. */
export async function warehouseOptions(q: Queryable, user: WebUser): Promise<[string, string][]> {
  const mine = user.role === 'stock-manager';
  const { rows } = await q.query<{ id: string; name: string; city: string | null }>(
    `SELECT w.id, w.name, w.city FROM warehouses w
      WHERE ($1::text IS NULL OR w.id IN (SELECT jsonb_array_elements_text(u.warehouses_ids_to_manage) FROM users u WHERE u.id = $1))
      ORDER BY lower(w.name), w.id`,
    [mine ? user.id : null],
  );
  return rows.map((r) => [r.id, r.city ? `${r.name} · ${r.city}` : r.name]);
}

/** [id, name] of the warehouses whose stocks the user may see (list filters). */
export async function visibleWarehouses(q: Queryable, user: WebUser): Promise<[string, string][]> {
  if (user.role !== 'seller') return warehouseOptions(q, user);
  const { rows } = await q.query<{ id: string; name: string }>(
    `SELECT DISTINCT w.id, w.name, lower(w.name) FROM warehouses w JOIN stocks s ON s.warehouse_id = w.id AND s.deleted_at IS NULL
       JOIN products p ON p.id = s.product_id WHERE p.account_id = $1 ORDER BY lower(w.name), w.id`,
    [user.account_id],
  );
  return rows.map((r) => [r.id, r.name]);
}

/**
 * Narrows a query over stocks `s` joined to their product `p` to what the actor may see: a stock
 * manager their warehouses (users.warehouses_ids_to_manage, read fresh), a seller their account's
 * products; everything else answers as if it did not exist (404).
 */
export function scopeStocks(actor: Actor, w: Where): Where {
  if (actor.role === 'stock-manager') {
    w.and(
      `s.warehouse_id IN (SELECT jsonb_array_elements_text(u.warehouses_ids_to_manage) FROM users u WHERE u.id = ${w.param(actor.userId)})`,
    );
  } else if (actor.role === 'seller') {
    w.and(`p.account_id = ${w.param(actor.accountId)}`);
  }
  return w;
}

export interface StockFigures {
  stocks: number;
  quantity: number;
  reserved: number;
  low: number;
  /** Units received (positive changes) and sent out (negative ones), today and over 30 days. */
  inToday: number;
  outToday: number;
  inMonth: number;
  outMonth: number;
}

/** A stock manager's home (dashboard.md: the role's own view): the stocks of their warehouses. */
export async function stockFigures(q: Queryable, actor: Actor, { today, month }: { today: Date; month: Date }): Promise<StockFigures> {
  const w = scopeStocks(actor, new Where().and('s.deleted_at IS NULL'));
  const { rows } = await q.query<StockFigures>(
    `WITH s AS (SELECT s.* ${STOCK_FROM} ${w}),
          h AS (SELECT h.change, h.created_at >= ${w.param(today)} AS today FROM stock_histories h
                 WHERE h.stock_id IN (SELECT id FROM s) AND h.created_at >= ${w.param(month)})
     SELECT (SELECT count(*)::int FROM s) AS stocks,
            (SELECT coalesce(sum(quantity), 0)::int FROM s) AS quantity,
            (SELECT coalesce(sum(reserved), 0)::int FROM s) AS reserved,
            (SELECT count(*)::int FROM s WHERE ${LOW}) AS low,
            (SELECT coalesce(sum(change) FILTER (WHERE change > 0 AND today), 0)::int FROM h) AS "inToday",
            (SELECT coalesce(-sum(change) FILTER (WHERE change < 0 AND today), 0)::int FROM h) AS "outToday",
            (SELECT coalesce(sum(change) FILTER (WHERE change > 0), 0)::int FROM h) AS "inMonth",
            (SELECT coalesce(-sum(change) FILTER (WHERE change < 0), 0)::int FROM h) AS "outMonth"`,
    w.params,
  );
  return rows[0];
}
