import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { PRODUCT_FIELDS, type ProductField, type ProductFields } from './schemas.js';

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
 * Soft-deletes products: lead and order lines keep their product, the SKU is free again, and no
 * agent keeps them in their queue. Answers the ids deleted.
 */
export async function deleteProducts(q: Queryable, ids: string[]): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    'UPDATE products SET deleted_at = now(), updated_at = now() WHERE id = ANY($1::text[]) AND deleted_at IS NULL RETURNING id',
    [ids],
  );
  const deleted = rows.map((r) => r.id);
  if (deleted.length) await unassign(q, deleted);
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
  return { added: rows.map((r) => r.id), removed };
}
