import type { Queryable } from '../../db/database.js';

export interface ProductRef {
  id: string;
  sku: string;
  name: string;
}

/** Every active (and not deleted) product of the account among `skus`, in one query. */
export async function activeProductsBySku(q: Queryable, accountId: string, skus: Iterable<string>): Promise<Map<string, ProductRef>> {
  const list = [...new Set(skus)];
  if (list.length === 0) return new Map();
  const { rows } = await q.query<ProductRef>(
    `SELECT id, sku, name FROM products
      WHERE account_id = $1 AND sku = ANY($2::text[]) AND status = 'active' AND deleted_at IS NULL`,
    [accountId, list],
    { name: 'active-products-by-sku' },
  );
  return new Map(rows.map((r) => [r.sku, r]));
}

/** An active product's SKU of the account (its oldest), for an import template's example row; undefined when it has none. */
export async function exampleSku(q: Queryable, accountId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ sku: string }>(
    `SELECT sku FROM products WHERE account_id = $1 AND status = 'active' AND deleted_at IS NULL ORDER BY created_at, id LIMIT 1`,
    [accountId],
  );
  return rows[0]?.sku;
}
