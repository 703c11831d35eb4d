import type { Queryable } from '../../db/database.js';
import { nothingDeleted } from '../../http/errors.js';
import { newId } from '../../lib/ids.js';
import { lockStockOfProducts } from '../stocks/effects.js';
import { PRODUCT_FIELDS, type ProductField, type ProductFields } from './schemas.js';
import { unassignUnservable } from '../call-centre/agents.js';

interface NewProduct {
  accountId: string;
  sku: string;
  name: string;
  price: number;
  status?: 'active' | 'inactive';
}

/** The minimal product of the CLI, the demo data and tests. */
export async function createProduct(q: Queryable, p: NewProduct): Promise<{ id: string }> {
  const id = newId();
  await q.query('INSERT INTO products (id, account_id, sku, name, price, status) VALUES ($1, $2, $3, $4, $5, $6)', [
    id,
    p.accountId,
    p.sku,
    p.name,
    p.price,
    p.status ?? 'active',
  ]);
  return { id };
}

/** Column names are these keys, never input: a patch only ever names them. */
const COLUMNS = PRODUCT_FIELDS;

const dbValue = (k: ProductField, v: unknown) => (k === 'variants' ? JSON.stringify(v ?? []) : (v ?? null));
const cast = (k: ProductField) => (k === 'variants' ? '::jsonb' : '');

/** A product with every field of the dashboard's form. */
export async function insertProduct(q: Queryable, accountId: string, f: ProductFields): Promise<string> {
  const id = newId();
  const params = [id, accountId, ...COLUMNS.map((k) => dbValue(k, f[k]))];
  await q.query(
    `INSERT INTO products (id, account_id, ${COLUMNS.join(', ')})
     VALUES ($1, $2, ${COLUMNS.map((k, i) => `$${i + 3}${cast(k)}`).join(', ')})`,
    params,
  );
  return id;
}

/** Writes the fields of `patch` (and only those); answers whether anything was written. */
export async function updateProduct(q: Queryable, id: string, patch: Partial<ProductFields>): Promise<boolean> {
  const keys = COLUMNS.filter((k) => k in patch);
  if (keys.length === 0) return false;
  const sets = keys.map((k, i) => `${k} = $${i + 2}${cast(k)}`);
  await q.query(`UPDATE products SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 AND deleted_at IS NULL`, [
    id,
    ...keys.map((k) => dbValue(k, patch[k])),
  ]);
  return true;
}

export async function setProductImage(q: Queryable, id: string, path: string | null): Promise<void> {
  await q.query('UPDATE products SET image_path = $2, updated_at = now() WHERE id = $1', [id, path]);
}

/** Removes `productIds` from every agent's `products_ids_to_confirm` except `keep`. */
async function unassign(q: Queryable, productIds: string[], keep: string[] = []): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE users u SET products_ids_to_confirm = (
         SELECT coalesce(jsonb_agg(t.e ORDER BY t.i), '[]'::jsonb)
           FROM jsonb_array_elements(u.products_ids_to_confirm) WITH ORDINALITY AS t(e, i)
          WHERE NOT (t.e #>> '{}' = ANY($1::text[]))),
       updated_at = now()
     WHERE u.role = 'agent' AND u.products_ids_to_confirm ?| $1::text[] AND NOT (u.id = ANY($2::text[]))
     RETURNING u.id`,
    [productIds, keep],
  );
  return rows.map((r) => r.id);
}

/**
 * Why these products cannot be deleted (empty: they can): a stock of theirs holds goods reserved by
 * open orders, has goods out for delivery, as a stock in that state cannot be deleted, or holds goods
 * at all (a deleted product's stocks go with it). "This product has 8 reserved by open orders and cannot be
 * deleted." when one was asked; each one's sentence and "Nothing was deleted." for several. Takes
 * the stock lock of their accounts, so no order reserves their stock until the transaction ends.
 */
export async function stockRefusal(q: Queryable, ids: string[]): Promise<string | undefined> {
  await lockStockOfProducts(q, ids);
  const { rows } = await q.query<{ name: string; reserved: number; quantity: number; out: boolean }>(
    `SELECT p.name, sum(s.reserved)::int AS reserved, sum(s.quantity)::int AS quantity,
            bool_or(EXISTS (SELECT 1 FROM order_lines ol JOIN orders o ON o.id = ol.order_id
                             WHERE ol.stock_id = s.id AND o.status = 'shipped' AND o.deleted_at IS NULL)) AS out
       FROM products p JOIN stocks s ON s.product_id = p.id AND s.deleted_at IS NULL
      WHERE p.id = ANY($1::text[]) AND p.deleted_at IS NULL
      GROUP BY p.id, p.name ORDER BY lower(p.name), p.id`,
    [ids],
  );
  const refused = rows.flatMap((r) => {
    const subject = ids.length === 1 ? 'This product' : `The product ${r.name}`;
    if (r.reserved > 0) return [`${subject} has ${r.reserved} reserved by open orders and cannot be deleted.`];
    if (r.out) return [`${subject} has goods out for delivery and cannot be deleted until they are delivered or returned.`];
    // Its stocks go with it: goods still there would vanish from the lists, and an order of it confirmed later would wait for them forever.
    if (r.quantity > 0) return [`${subject} has ${r.quantity} in stock and cannot be deleted: decrement its stock to 0 first.`];
    return [];
  });
  if (refused.length === 0) return undefined;
  return ids.length > 1 ? nothingDeleted(refused) : refused.join(' ');
}

/**
 * Soft-deletes products: lead and order lines keep their product, the SKU is free again, no agent
 * keeps them in their queue, and their stocks are deleted with them (they leave the stock lists, as
 * a deleted stock does; check `stockRefusal` first). Answers the ids deleted.
 */
export async function deleteProducts(q: Queryable, ids: string[]): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    'UPDATE products SET deleted_at = now(), updated_at = now() WHERE id = ANY($1::text[]) AND deleted_at IS NULL RETURNING id',
    [ids],
  );
  const deleted = rows.map((r) => r.id);
  if (deleted.length) {
    await unassign(q, deleted);
    await q.query('UPDATE stocks SET deleted_at = now(), updated_at = now() WHERE product_id = ANY($1::text[]) AND deleted_at IS NULL', [
      deleted,
    ]);
  }
  return deleted;
}

/** Makes `agentIds` exactly the agents confirming this product; answers who was added and removed. */
export async function assignAgents(q: Queryable, productId: string, agentIds: string[]): Promise<{ added: string[]; removed: string[] }> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE users SET products_ids_to_confirm = products_ids_to_confirm || jsonb_build_array($1::text), updated_at = now()
      WHERE role = 'agent' AND id = ANY($2::text[]) AND NOT products_ids_to_confirm @> jsonb_build_array($1::text)
      RETURNING id`,
    [productId, agentIds],
  );
  const removed = await unassign(q, [productId], agentIds);
  // Their leads assigned to them of no product they still confirm go back to everyone's queue. Not on
  // a product's delete: the agent on a lead keeps it then (docs/decisions.md).
  await unassignUnservable(q, removed);
  return { added: rows.map((r) => r.id), removed };
}
