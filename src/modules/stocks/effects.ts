import type { Queryable } from '../../db/database.js';
import type { Actor } from '../../core/actor.js';
import { enqueue } from '../../jobs/enqueue.js';
import { notifyLowStock } from './low-stock.js';

/**
 * The stock rule of domain.md, implemented once and called by the order lifecycle
 * (src/modules/orders/lifecycle.ts) and the stock moves (./service.ts):
 *
 * - creating an order reserves each of its lines from the stock of that product with the most
 *   available quantity (quantity − reserved). An order reserves all its lines or none: when one
 *   line cannot be reserved, the order holds nothing and is "waiting for stock";
 * - `shipped` turns the reservation into a decrement; `canceled` (and deleting a new order)
 *   releases it; `returned` adds the goods back to the stock they left; renew reserves again;
 * - whenever goods become available (increment, release, return, a stock turned active), waiting
 *   orders of those products are retried, oldest first.
 *
 * Every movement writes a stock-history row with its running totals, so `quantity` is always the
 * sum of the history's `change` and `reserved` the sum of its `reserved_change`. Each step is a
 * constant number of set-based statements, never a query per line: the choice of stocks is made in
 * memory over the candidate stocks, locked in one read.
 */

export type StockReason = 'increment' | 'decrement' | 'reserve' | 'release' | 'ship' | 'return';
export const STOCK_REASONS: readonly StockReason[] = ['increment', 'decrement', 'reserve', 'release', 'ship', 'return'];

export interface Movement {
  stockId: string;
  change: number;
  reservedChange: number;
  reason: StockReason;
  orderId?: string | null;
  comment?: string | null;
}

/** The 422 message when shipping an order none of whose lines hold stock. */
export const waitingForStockMessage = (reference: string) =>
  `The order ${reference} is waiting for stock and cannot be shipped until its products are reserved.`;

/**
 * Stock movements are serialised per account (its products' stocks and its orders move together:
 * a retry after an increment may reserve stock of other products of the same orders). Every entry
 * point takes this transaction-scoped advisory lock before it locks any stock row, so two writers
 * never wait on each other's stock rows in opposite orders. An account's order creations (their
 * reservations) and confirmations take turns on it; references come from sequences (migration
 * 0011), which lock nothing.
 */
async function lockAccounts(q: Queryable, accountsQuery: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('codops:stock:' || a.account_id, 0))
       FROM (SELECT DISTINCT account_id FROM (${accountsQuery}) x ORDER BY account_id) a`,
    [ids],
  );
}

/** Takes the stock lock of the accounts of these orders. */
export const lockStockOfOrders = (q: Queryable, orderIds: string[]) =>
  lockAccounts(q, 'SELECT account_id FROM orders WHERE id = ANY($1::text[])', orderIds);

/** Takes the stock lock of the accounts owning these stocks. */
export const lockStockOfStocks = (q: Queryable, stockIds: string[]) =>
  lockAccounts(q, 'SELECT p.account_id FROM stocks s JOIN products p ON p.id = s.product_id WHERE s.id = ANY($1::text[])', stockIds);

/** Takes the stock lock of these accounts. */
export const lockStockOfAccounts = (q: Queryable, accountIds: string[]) =>
  lockAccounts(q, 'SELECT unnest($1::text[]) AS account_id', accountIds);

/** Takes the stock lock of the accounts owning these products. */
export const lockStockOfProducts = (q: Queryable, productIds: string[]) =>
  lockAccounts(q, 'SELECT account_id FROM products WHERE id = ANY($1::text[])', productIds);

/** Locks stock rows in id order (under the account's stock lock, a safety net for other writers). */
async function lockStocks(q: Queryable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query('SELECT id FROM stocks WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [[...new Set(ids)]]);
}

/**
 * Applies movements in one UPDATE of the stocks and one INSERT of their history rows, each row
 * carrying the stock's quantity and reserved after it (running totals in movement order). The same
 * statement answers the stocks an order's movement just took to their warning quantity or below,
 * whose people are then notified (./low-stock.ts, the rule written there). `stockLocked`: the caller
 * already holds the stock lock of these stocks' account (an allocation, under its caller's lock).
 */
export async function applyMovements(q: Queryable, actor: Actor, moves: Movement[], stockLocked = false): Promise<void> {
  if (moves.length === 0) return;
  const ids = [...new Set(moves.map((m) => m.stockId))];
  if (!stockLocked) await lockStockOfStocks(q, ids);
  await lockStocks(q, ids);
  const { rows: low } = await q.query<{ id: string }>(
    `WITH m AS (
       SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
         AS m(stock_id, change, reserved_change, reason, order_id, comment, seq)
     ), totals AS (
       SELECT stock_id, sum(change)::int AS change, sum(reserved_change)::int AS reserved_change,
              bool_or(reason IN ('reserve', 'ship', 'decrement')) AS may_alert
         FROM m GROUP BY stock_id
     ), moved AS (
       UPDATE stocks s SET quantity = s.quantity + t.change, reserved = s.reserved + t.reserved_change, updated_at = now()
         FROM totals t WHERE s.id = t.stock_id
       RETURNING s.id, s.quantity - t.change AS quantity_before, s.reserved - t.reserved_change AS reserved_before,
                 t.may_alert AND (s.quantity - t.change) - (s.reserved - t.reserved_change) > s.warning_quantity
                            AND s.quantity - s.reserved <= s.warning_quantity AS went_low
     ), written AS (
     INSERT INTO stock_histories (stock_id, reason, change, reserved_change, quantity_after, reserved_after, order_id, comment,
                                  changed_by, user_id, token_id, impersonator_id)
     SELECT m.stock_id, m.reason, m.change, m.reserved_change,
            moved.quantity_before + (sum(m.change) OVER w)::int, moved.reserved_before + (sum(m.reserved_change) OVER w)::int,
            m.order_id, m.comment, $7, $8, $9, $10
       FROM m JOIN moved ON moved.id = m.stock_id
     WINDOW w AS (PARTITION BY m.stock_id ORDER BY m.seq)
     ORDER BY m.seq
     RETURNING 1
     )
     SELECT id FROM moved WHERE went_low ORDER BY id`,
    [
      moves.map((m) => m.stockId),
      moves.map((m) => m.change),
      moves.map((m) => m.reservedChange),
      moves.map((m) => m.reason),
      moves.map((m) => m.orderId ?? null),
      moves.map((m) => m.comment ?? null),
      actor.label,
      actor.userId,
      actor.tokenId,
      actor.impersonatorId,
    ],
  );
  await notifyLowStock(
    q,
    low.map((r) => r.id),
  );
}

interface Slot {
  id: string;
  available: number;
}

interface Line {
  order_id: string;
  position: number;
  product_id: string;
  quantity: number;
}

/** The candidate stocks of some products (active, not deleted), locked, with what each has available. */
class Allocator {
  private readonly slots = new Map<string, Slot[]>();

  constructor(private readonly q: Queryable) {}

  async load(productIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(productIds)].filter((p) => !this.slots.has(p));
    if (missing.length === 0) return;
    for (const p of missing) this.slots.set(p, []);
    const { rows } = await this.q.query<{ id: string; product_id: string; available: number }>(
      `SELECT id, product_id, quantity - reserved AS available FROM stocks
        WHERE product_id = ANY($1::text[]) AND status = 'active' AND deleted_at IS NULL
        ORDER BY id FOR UPDATE`,
      [missing],
    );
    for (const r of rows) this.slots.get(r.product_id)!.push({ id: r.id, available: Number(r.available) });
  }

  available(productIds: Iterable<string>): number {
    let n = 0;
    for (const p of productIds) for (const s of this.slots.get(p) ?? []) n += s.available;
    return n;
  }

  /**
   * Takes every line from the stock of its product with the most available (ties: the oldest
   * stock), or nothing at all when one line cannot be served by a single stock.
   */
  take(lines: Line[]): { line: Line; stockId: string }[] | undefined {
    const taken: { line: Line; slot: Slot }[] = [];
    for (const line of lines) {
      let best: Slot | undefined;
      for (const s of this.slots.get(line.product_id) ?? []) if (!best || s.available > best.available) best = s;
      if (!best || best.available < line.quantity) {
        for (const t of taken) t.slot.available += t.line.quantity;
        return undefined;
      }
      best.available -= line.quantity;
      taken.push({ line, slot: best });
    }
    return taken.map((t) => ({ line: t.line, stockId: t.slot.id }));
  }
}

/** The lines of these orders, in the orders' order then by position. */
async function linesOf(q: Queryable, orderIds: string[]): Promise<Map<string, Line[]>> {
  const { rows } = await q.query<Line>(
    `SELECT ol.order_id, ol.position, ol.product_id, ol.quantity
       FROM unnest($1::text[]) WITH ORDINALITY AS c(id, n) JOIN order_lines ol ON ol.order_id = c.id
      ORDER BY c.n, ol.position`,
    [orderIds],
  );
  const out = new Map<string, Line[]>(orderIds.map((id) => [id, []]));
  for (const r of rows) out.get(r.order_id)!.push(r);
  return out;
}

/** Allocates the orders in turn and writes the outcome: lines' stocks, waiting flags, reserve movements. */
async function allocate(
  q: Queryable,
  actor: Actor,
  allocator: Allocator,
  orders: Map<string, Line[]>,
  onlySuccesses: boolean,
): Promise<number> {
  const lineOrder: string[] = [];
  const linePosition: number[] = [];
  const lineStock: string[] = [];
  const flagIds: string[] = [];
  const flagWaiting: boolean[] = [];
  const moves: Movement[] = [];
  let reserved = 0;
  for (const [orderId, lines] of orders) {
    const got = allocator.take(lines);
    if (got) reserved++;
    if (got || !onlySuccesses) {
      flagIds.push(orderId);
      flagWaiting.push(!got);
    }
    for (const { line, stockId } of got ?? []) {
      lineOrder.push(orderId);
      linePosition.push(line.position);
      lineStock.push(stockId);
      moves.push({ stockId, change: 0, reservedChange: line.quantity, reason: 'reserve', orderId });
    }
  }
  if (lineOrder.length > 0) {
    await q.query(
      `UPDATE order_lines ol SET stock_id = c.stock_id
         FROM unnest($1::text[], $2::smallint[], $3::text[]) AS c(order_id, position, stock_id)
        WHERE ol.order_id = c.order_id AND ol.position = c.position`,
      [lineOrder, linePosition, lineStock],
    );
  }
  if (flagIds.length > 0) {
    await q.query(
      `UPDATE orders o SET waiting_for_stock = c.waiting FROM unnest($1::text[], $2::boolean[]) AS c(id, waiting)
        WHERE o.id = c.id AND o.waiting_for_stock IS DISTINCT FROM c.waiting`,
      [flagIds, flagWaiting],
    );
  }
  // The callers hold the stock lock of these stocks' account: the allocator locked their rows under it.
  await applyMovements(q, actor, moves, true);
  return reserved;
}

/**
 * Reserves stock for new orders whose lines hold none yet (just created, renewed, or relined), in
 * the given order; those that cannot be served are marked waiting for stock. `stockLocked`: the
 * caller already holds the stock lock of the orders' account (a confirmation, since its check of the
 * leads' products), which is then not asked for again.
 */
export async function reserveOrders(q: Queryable, actor: Actor, orderIds: string[], stockLocked = false): Promise<void> {
  if (orderIds.length === 0) return;
  if (!stockLocked) await lockStockOfOrders(q, orderIds);
  const orders = await linesOf(q, orderIds);
  const allocator = new Allocator(q);
  await allocator.load([...orders.values()].flatMap((ls) => ls.map((l) => l.product_id)));
  await allocate(q, actor, allocator, orders, false);
}

const RETRY_BATCH = 200;
export const RETRY_WAITING_KIND = 'stocks.retry-waiting';

/**
 * Goods of these products became available: waiting orders holding one of them are retried,
 * oldest first, until none is left or nothing of these products remains available. Orders another
 * transaction is changing right now are skipped rather than waited for (two movements would lock
 * each other's orders); when some were skipped and goods remain, a job (./retry-job.ts) retries
 * them a moment later, after that transaction. Answers how many orders it reserved.
 */
export async function retryWaitingOrders(q: Queryable, actor: Actor, productIds: string[]): Promise<number> {
  const products = [...new Set(productIds)];
  let reserved = 0;
  if (products.length === 0) return reserved;
  await lockStockOfProducts(q, products);
  const allocator = new Allocator(q);
  await allocator.load(products);
  let after: [string, string] = ['-infinity', ''];
  const seen: string[] = [];
  while (allocator.available(products) > 0) {
    const { rows } = await q.query<{ id: string; created_at: string }>(
      `SELECT o.id, o.created_at::text AS created_at FROM orders o
        WHERE ${WAITING_FOR_PRODUCTS} AND (o.created_at, o.id) > ($2::timestamptz, $3::text)
        ORDER BY o.created_at, o.id LIMIT ${RETRY_BATCH} FOR UPDATE SKIP LOCKED`,
      [products, after[0], after[1]],
    );
    if (rows.length > 0) {
      const orders = await linesOf(
        q,
        rows.map((r) => r.id),
      );
      await allocator.load([...orders.values()].flatMap((ls) => ls.map((l) => l.product_id)));
      reserved += await allocate(q, actor, allocator, orders, true);
      seen.push(...rows.map((r) => r.id));
    }
    if (rows.length < RETRY_BATCH) {
      if (allocator.available(products) > 0 && (await skippedSome(q, products, seen)))
        await enqueue(q, RETRY_WAITING_KIND, { products }, { delaySeconds: 1 });
      return reserved;
    }
    const last = rows[rows.length - 1];
    after = [last.created_at, last.id];
  }
  return reserved;
}

const WAITING_FOR_PRODUCTS = `o.status = 'new' AND o.waiting_for_stock AND o.deleted_at IS NULL
          AND EXISTS (SELECT 1 FROM order_lines ol WHERE ol.order_id = o.id AND ol.product_id = ANY($1::text[]))`;

/** Whether waiting orders of these products exist beyond those the retry locked (others held them). */
async function skippedSome(q: Queryable, products: string[], seen: string[]): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM orders o WHERE ${WAITING_FOR_PRODUCTS} AND o.id <> ALL($2::text[]) LIMIT 1`, [
    products,
    seen,
  ]);
  return rows.length > 0;
}

/** The reserved (or shipped) lines of these orders, with their stock. */
async function heldLines(q: Queryable, orderIds: string[]) {
  const { rows } = await q.query<{ order_id: string; stock_id: string; product_id: string; quantity: number }>(
    `SELECT ol.order_id, ol.stock_id, ol.product_id, ol.quantity
       FROM unnest($1::text[]) WITH ORDINALITY AS c(id, n) JOIN order_lines ol ON ol.order_id = c.id
      WHERE ol.stock_id IS NOT NULL ORDER BY c.n, ol.position`,
    [orderIds],
  );
  return rows;
}

/** `shipped`: the reservation becomes a decrement. */
async function shipOrders(q: Queryable, actor: Actor, orderIds: string[]): Promise<void> {
  if (orderIds.length === 0) return;
  const lines = await heldLines(q, orderIds);
  await applyMovements(
    q,
    actor,
    lines.map((l) => ({ stockId: l.stock_id, change: -l.quantity, reservedChange: -l.quantity, reason: 'ship', orderId: l.order_id })),
  );
}

/**
 * `canceled`, a deleted new order, or lines about to be replaced: the reservation is released and
 * the lines hold nothing. Answers the products that became available.
 */
export async function releaseOrders(q: Queryable, actor: Actor, orderIds: string[], comment: string | null = null): Promise<string[]> {
  if (orderIds.length === 0) return [];
  const lines = await heldLines(q, orderIds);
  await applyMovements(
    q,
    actor,
    lines.map((l) => ({ stockId: l.stock_id, change: 0, reservedChange: -l.quantity, reason: 'release', orderId: l.order_id, comment })),
  );
  await q.query('UPDATE order_lines SET stock_id = NULL WHERE order_id = ANY($1::text[]) AND stock_id IS NOT NULL', [orderIds]);
  await q.query('UPDATE orders SET waiting_for_stock = false WHERE id = ANY($1::text[]) AND waiting_for_stock', [orderIds]);
  return [...new Set(lines.map((l) => l.product_id))];
}

/** `returned`: the goods come back to the stock they left. Answers the products that became available. */
async function returnOrders(q: Queryable, actor: Actor, orderIds: string[]): Promise<string[]> {
  if (orderIds.length === 0) return [];
  const lines = await heldLines(q, orderIds);
  await applyMovements(
    q,
    actor,
    lines.map((l) => ({ stockId: l.stock_id, change: l.quantity, reservedChange: 0, reason: 'return', orderId: l.order_id })),
  );
  return [...new Set(lines.map((l) => l.product_id))];
}

/** Renew (→ new): the lines forget where they last were and reserve again. */
async function renewOrders(q: Queryable, actor: Actor, orderIds: string[]): Promise<void> {
  if (orderIds.length === 0) return;
  await q.query('UPDATE order_lines SET stock_id = NULL WHERE order_id = ANY($1::text[]) AND stock_id IS NOT NULL', [orderIds]);
  await reserveOrders(q, actor, orderIds);
}

/**
 * Whether the order of alias `o` is "waiting for stock" (domain.md): new and holding no reservation.
 * The one definition, read by the ship check (ordersWaitingForStock) and by the pages that show it.
 */
export const WAITING_FOR_STOCK = (o: string) => `(${o}.status = 'new' AND ${o}.waiting_for_stock)`;

/** The orders among these that are waiting for stock, id → reference. */
export async function ordersWaitingForStock(q: Queryable, orderIds: string[]): Promise<Map<string, string>> {
  if (orderIds.length === 0) return new Map();
  const { rows } = await q.query<{ id: string; reference: string }>(
    `SELECT o.id, o.reference FROM orders o WHERE o.id = ANY($1::text[]) AND ${WAITING_FOR_STOCK('o')}`,
    [orderIds],
  );
  return new Map(rows.map((r) => [r.id, r.reference]));
}

/** What an order's move does to its stock (the order lifecycle's table says which). */
export type OrderStockEffect = 'ship' | 'release' | 'return' | 'reserve again';

/** The stock side of order status changes (already checked and written by transitionOrders). */
export async function applyOrderTransitions(q: Queryable, actor: Actor, ts: { id: string; effect?: OrderStockEffect }[]): Promise<void> {
  if (ts.length === 0) return;
  const ids = (effect: OrderStockEffect) => ts.filter((t) => t.effect === effect).map((t) => t.id);
  await lockStockOfOrders(
    q,
    ts.map((t) => t.id),
  );
  await shipOrders(q, actor, ids('ship'));
  const freed = [...(await releaseOrders(q, actor, ids('release'))), ...(await returnOrders(q, actor, ids('return')))];
  await renewOrders(q, actor, ids('reserve again'));
  await retryWaitingOrders(q, actor, freed);
}
