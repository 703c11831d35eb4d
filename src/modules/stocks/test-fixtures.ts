import type { Database, Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import type { Actor } from '../../core/actor.js';
import type { Role } from '../../core/roles.js';
import { createUser } from '../users/service.js';
import { incrementStock } from './service.js';

/** A warehouse with a unique name (names are unique deployment-wide). */
export async function warehouse(db: Queryable, name = `Warehouse ${newId().slice(-8)}`): Promise<string> {
  const id = newId();
  await db.query('INSERT INTO warehouses (id, name, city, address) VALUES ($1, $2, $3, $4)', [id, name, 'Casablanca', '1 Rue Test']);
  return id;
}

export async function productId(db: Queryable, accountId: string, sku: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM products WHERE account_id = $1 AND sku = $2', [accountId, sku]);
  return rows[0].id;
}

/** A stock holding `quantity`, moved in through the stock rule (so its history adds up). */
export async function stock(
  db: Database,
  product: string,
  warehouseId: string,
  opts: { quantity?: number; warning?: number } = {},
): Promise<string> {
  const id = newId();
  await db.query('INSERT INTO stocks (id, product_id, warehouse_id, warning_quantity) VALUES ($1, $2, $3, $4)', [
    id,
    product,
    warehouseId,
    opts.warning ?? 0,
  ]);
  if (opts.quantity) await db.tx((q) => incrementStock(q, SYSTEM_TEST, id, opts.quantity!, 'Opening stock'));
  return id;
}

/** The system as the tests' actor (label `test`). */
export const SYSTEM_TEST: Actor = {
  kind: 'system',
  userId: null,
  tokenId: null,
  label: 'test',
  role: null,
  accountId: null,
  impersonatorId: null,
};

/** A staff user (password `password-123`); stock managers get their warehouses. */
export async function staff(db: Queryable, role: Role, warehouses: string[] = []): Promise<{ id: string; email: string; actor: Actor }> {
  const email = `${role}-${newId().toLowerCase()}@example.test`;
  const { id } = await createUser(db, { role, email, password: 'password-123', fullName: `Test ${role}` });
  if (warehouses.length)
    await db.query('UPDATE users SET warehouses_ids_to_manage = $2::jsonb WHERE id = $1', [id, JSON.stringify(warehouses)]);
  return {
    id,
    email,
    actor: { kind: 'user', userId: id, tokenId: null, label: `Test ${role}`, role, accountId: null, impersonatorId: null },
  };
}

interface StockState {
  id: string;
  product_id: string;
  quantity: number;
  reserved: number;
  history_quantity: number;
  history_reserved: number;
  last_quantity_after: number | null;
  last_reserved_after: number | null;
  open_lines: number;
}

/** Every stock of the account's products with what its history and the open orders' lines say. */
async function stockStates(db: Queryable, accountId: string): Promise<StockState[]> {
  const { rows } = await db.query<StockState>(
    `SELECT s.id, s.product_id, s.quantity, s.reserved,
            coalesce((SELECT sum(h.change) FROM stock_histories h WHERE h.stock_id = s.id), 0)::int AS history_quantity,
            coalesce((SELECT sum(h.reserved_change) FROM stock_histories h WHERE h.stock_id = s.id), 0)::int AS history_reserved,
            (SELECT h.quantity_after FROM stock_histories h WHERE h.stock_id = s.id ORDER BY h.id DESC LIMIT 1) AS last_quantity_after,
            (SELECT h.reserved_after FROM stock_histories h WHERE h.stock_id = s.id ORDER BY h.id DESC LIMIT 1) AS last_reserved_after,
            coalesce((SELECT sum(ol.quantity) FROM order_lines ol JOIN orders o ON o.id = ol.order_id
                       WHERE ol.stock_id = s.id AND o.status = 'new' AND o.deleted_at IS NULL), 0)::int AS open_lines
       FROM stocks s JOIN products p ON p.id = s.product_id WHERE p.account_id = $1 ORDER BY s.id`,
    [accountId],
  );
  return rows;
}

/** The invariants of the stock rule, as a list of broken ones (empty when all hold). */
export async function brokenInvariants(db: Queryable, accountId: string): Promise<string[]> {
  const out: string[] = [];
  for (const s of await stockStates(db, accountId)) {
    if (s.quantity !== s.history_quantity) out.push(`stock ${s.id}: quantity ${s.quantity} but history sums to ${s.history_quantity}`);
    if (s.reserved !== s.history_reserved) out.push(`stock ${s.id}: reserved ${s.reserved} but history sums to ${s.history_reserved}`);
    if (s.reserved !== s.open_lines) out.push(`stock ${s.id}: reserved ${s.reserved} but open order lines hold ${s.open_lines}`);
    if (s.reserved < 0 || s.reserved > s.quantity) out.push(`stock ${s.id}: reserved ${s.reserved} outside 0..${s.quantity}`);
    if (s.last_quantity_after !== null && (s.last_quantity_after !== s.quantity || s.last_reserved_after !== s.reserved)) {
      out.push(`stock ${s.id}: last history row says ${s.last_quantity_after}/${s.last_reserved_after}, stock ${s.quantity}/${s.reserved}`);
    }
  }
  const { rows } = await db.query<{ reference: string; status: string; waiting: boolean; lines: number; held: number }>(
    `SELECT o.reference, o.status, o.waiting_for_stock AS waiting, count(*)::int AS lines, count(ol.stock_id)::int AS held
       FROM orders o JOIN order_lines ol ON ol.order_id = o.id
      WHERE o.account_id = $1 AND o.deleted_at IS NULL GROUP BY o.id`,
    [accountId],
  );
  for (const o of rows) {
    if (o.status === 'new' && o.waiting && o.held !== 0) out.push(`${o.reference} waits for stock but holds ${o.held} lines`);
    if (o.status === 'new' && !o.waiting && o.held !== o.lines)
      out.push(`${o.reference} is reserved but holds ${o.held} of ${o.lines} lines`);
    if (o.status === 'canceled' && o.held !== 0) out.push(`${o.reference} is canceled but holds ${o.held} lines`);
    if ((o.status === 'shipped' || o.status === 'delivered' || o.status === 'returned') && o.held !== o.lines) {
      out.push(`${o.reference} is ${o.status} but only ${o.held} of ${o.lines} lines name their stock`);
    }
  }
  return out;
}
