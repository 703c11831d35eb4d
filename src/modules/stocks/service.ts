import type { Queryable } from '../../db/database.js';
import { answerUniqueViolation, invalid } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { newId } from '../../lib/ids.js';
import type { WebUser } from '../../web/types.js';
import { Where } from '../../db/where.js';
import type { Actor } from '../../core/actor.js';
import { applyMovements, lockStockOfProducts, lockStockOfStocks, retryWaitingOrders } from './effects.js';
import { productExists, scopeStocks, warehouseOptions, type StockDetail } from './queries.js';
import { stockCreate, stockUpdate, type StockStatus } from './schemas.js';

const PAIR_TAKEN = 'The product already has a stock in this warehouse.';
answerUniqueViolation('stocks_product_warehouse', 'product_id', PAIR_TAKEN);

/** The stock manager's warehouses must include it; anyone else may pick any warehouse. */
async function warehouseAllowed(q: Queryable, user: WebUser, warehouseId: string): Promise<boolean> {
  return (await warehouseOptions(q, user)).some(([id]) => id === warehouseId);
}

async function pairTaken(q: Queryable, productId: string, warehouseId: string, except: string | null): Promise<boolean> {
  const { rows } = await q.query(
    'SELECT 1 FROM stocks WHERE product_id = $1 AND warehouse_id = $2 AND deleted_at IS NULL AND id IS DISTINCT FROM $3',
    [productId, warehouseId, except],
  );
  return rows.length > 0;
}

export interface StockFields {
  product_id: string;
  warehouse_id: string;
  warning_quantity?: number;
  status?: StockStatus;
}

/**
 * Creates a stock at quantity 0 (dashboard.md). The rules that need the database add to `bag`, which
 * holds the form's shape errors, so one 422 says everything (api-v1.md); as Laravel's `exists`, a
 * field that already failed is not looked up.
 */
export async function createStock(q: Queryable, user: WebUser, input: StockFields, bag = new ErrorBag()): Promise<string> {
  const [product, warehouse] = [!bag.has('product_id'), !bag.has('warehouse_id')];
  // Under the stock lock a product's delete takes before it deletes the product's stocks: a delete
  // either comes first and is seen here, or comes after and finds this stock.
  if (product) await lockStockOfProducts(q, [input.product_id]);
  if (product && !(await productExists(q, input.product_id))) bag.add('product_id', messages.invalid('product_id'));
  if (warehouse && !(await warehouseAllowed(q, user, input.warehouse_id))) bag.add('warehouse_id', messages.invalid('warehouse_id'));
  if (!bag.has('product_id') && !bag.has('warehouse_id') && (await pairTaken(q, input.product_id, input.warehouse_id, null)))
    bag.add('product_id', PAIR_TAKEN);
  bag.throwIfAny(stockCreate.schema);
  const id = newId();
  await q.query('INSERT INTO stocks (id, product_id, warehouse_id, warning_quantity, status) VALUES ($1, $2, $3, $4, $5)', [
    id,
    input.product_id,
    input.warehouse_id,
    input.warning_quantity ?? 0,
    input.status ?? 'active',
  ]);
  return id;
}

/**
 * Edits the warning quantity and the status (never the quantity). The product and the warehouse
 * can be corrected only while the stock has never moved: its history belongs to them. Answers
 * what changed (`{field: [old, new]}`). `bag` holds the form's shape errors, answered in the same
 * 422 as these checks (a field that already failed is not looked up).
 */
export async function updateStock(
  q: Queryable,
  user: WebUser,
  actor: Actor,
  before: StockDetail,
  input: Partial<StockFields>,
  bag = new ErrorBag(),
): Promise<Record<string, unknown>> {
  const s = before.data;
  const productId = (!bag.has('product_id') && input.product_id) || s.product_id;
  const warehouseId = (!bag.has('warehouse_id') && input.warehouse_id) || s.warehouse_id;
  // Whether it moved is asked again under the lock every stock move takes: the page read it before
  // this transaction, and a move committed since (an increment, a reservation) fixes the pair too.
  const relabels = productId !== s.product_id || warehouseId !== s.warehouse_id;
  if (relabels) await lockStockOfProducts(q, [s.product_id, productId]);
  const moved = relabels ? await stockMoved(q, s.id) : before.moved;
  if (productId !== s.product_id) {
    if (moved) bag.add('product_id', 'The product of a stock that has already moved cannot be changed.');
    else if (!(await productExists(q, productId))) bag.add('product_id', messages.invalid('product_id'));
  }
  if (warehouseId !== s.warehouse_id) {
    if (moved) bag.add('warehouse_id', 'The warehouse of a stock that has already moved cannot be changed.');
    else if (!(await warehouseAllowed(q, user, warehouseId))) bag.add('warehouse_id', messages.invalid('warehouse_id'));
  }
  if (!bag.has() && relabels && (await pairTaken(q, productId, warehouseId, s.id))) {
    bag.add('product_id', PAIR_TAKEN);
  }
  bag.throwIfAny(stockUpdate.schema);
  const next = {
    product_id: productId,
    warehouse_id: warehouseId,
    warning_quantity: input.warning_quantity ?? s.warning_quantity,
    status: input.status ?? s.status,
  };
  const changes: Record<string, unknown> = {};
  for (const k of Object.keys(next) as (keyof typeof next)[]) if (next[k] !== s[k]) changes[k] = [s[k], next[k]];
  if (Object.keys(changes).length === 0) return changes;
  await lockStockOfProducts(q, [s.product_id, next.product_id]);
  // Only what this edit changed is written: the page's read may be older than another admin's
  // save of the other field, which a full-row write would silently undo.
  const columns = Object.keys(changes) as (keyof typeof next)[];
  await q.query(
    `UPDATE stocks SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')}, updated_at = now()
        WHERE id = $1 AND deleted_at IS NULL`,
    [s.id, ...columns.map((c) => next[c])],
  );
  // Turned active: what it holds can now serve waiting orders.
  if (changes.status && next.status === 'active') await retryWaitingOrders(q, actor, [next.product_id]);
  return changes;
}

async function stockMoved(q: Queryable, id: string): Promise<boolean> {
  return (await q.query('SELECT 1 FROM stock_histories WHERE stock_id = $1 LIMIT 1', [id])).rows.length > 0;
}

/** Locks one live stock (after its account's stock lock) and reads what it holds. */
async function lockStock(q: Queryable, id: string) {
  await lockStockOfStocks(q, [id]);
  const { rows } = await q.query<{ product_id: string; quantity: number; reserved: number; status: StockStatus }>(
    'SELECT product_id, quantity, reserved, status FROM stocks WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
    [id],
  );
  return rows[0];
}

/** Goods came in: the quantity grows, and waiting orders of the product are retried (answers how many got reserved). */
export async function incrementStock(q: Queryable, actor: Actor, id: string, quantity: number, comment: string | null): Promise<number> {
  const stock = await lockStock(q, id);
  if (!stock) throw invalid({ quantity: ['This stock no longer exists.'] });
  await applyMovements(q, actor, [{ stockId: id, change: quantity, reservedChange: 0, reason: 'increment', comment }]);
  return stock.status === 'active' ? retryWaitingOrders(q, actor, [stock.product_id]) : 0;
}

/** The 422 message of a decrement that would eat into reserved goods. */
function decrementTooLarge(quantity: number, reserved: number): string {
  const available = quantity - reserved;
  return reserved > 0
    ? `The quantity must not be greater than ${available}: the stock holds ${quantity}, of which ${reserved} are reserved by open orders.`
    : `The quantity must not be greater than ${available}, the quantity in stock.`;
}

/** Goods went out by hand (damaged, counted wrong…): never below the reserved quantity. */
export async function decrementStock(q: Queryable, actor: Actor, id: string, quantity: number, comment: string | null): Promise<void> {
  const stock = await lockStock(q, id);
  if (!stock) throw invalid({ quantity: ['This stock no longer exists.'] });
  if (quantity > stock.quantity - stock.reserved) throw invalid({ quantity: [decrementTooLarge(stock.quantity, stock.reserved)] });
  await applyMovements(q, actor, [{ stockId: id, change: -quantity, reservedChange: 0, reason: 'decrement', comment }]);
}

interface DeleteOutcome {
  /** The ids deleted (none when anything was refused). */
  deleted: string[];
  /** Why nothing was deleted: one message per stock still in use. */
  refused: string[];
}

/**
 * Soft-deletes the stocks among `ids` the user may see (their history stays), all or nothing:
 * never while open orders hold a reservation on one, nor while goods shipped from it may still
 * come back (a return restocks it).
 */
export async function deleteStocks(q: Queryable, user: WebUser, ids: string[]): Promise<DeleteOutcome> {
  await lockStockOfStocks(q, ids);
  const w = scopeStocks(user, new Where().and('s.deleted_at IS NULL'));
  w.and(`s.id = ANY(${w.param(ids)}::text[])`);
  const { rows } = await q.query<{ id: string; quantity: number; reserved: number; out: boolean; product: string; warehouse: string }>(
    `SELECT s.id, s.quantity, s.reserved, p.name AS product, w.name AS warehouse,
            EXISTS (SELECT 1 FROM order_lines ol JOIN orders o ON o.id = ol.order_id
                     WHERE ol.stock_id = s.id AND o.status = 'shipped' AND o.deleted_at IS NULL) AS out
       FROM stocks s JOIN products p ON p.id = s.product_id JOIN warehouses w ON w.id = s.warehouse_id
       ${w} ORDER BY s.id FOR UPDATE OF s`,
    w.params,
  );
  const one = rows.length === 1;
  const refused: string[] = [];
  for (const s of rows) {
    const subject = one ? 'This stock' : `The stock of ${s.product} in ${s.warehouse}`;
    if (s.reserved > 0) refused.push(`${subject} has ${s.reserved} reserved by open orders and cannot be deleted.`);
    else if (s.out) refused.push(`${subject} has goods out for delivery and cannot be deleted until they are delivered or returned.`);
    // Goods on the shelf would leave the lists (as a product's delete refuses them).
    else if (s.quantity > 0) refused.push(`${subject} has ${s.quantity} in stock and cannot be deleted: decrement it to 0 first.`);
  }
  if (refused.length > 0) return { deleted: [], refused };
  const deleted = rows.map((r) => r.id);
  if (deleted.length > 0) await q.query('UPDATE stocks SET deleted_at = now(), updated_at = now() WHERE id = ANY($1::text[])', [deleted]);
  return { deleted, refused };
}
