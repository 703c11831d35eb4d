import type { Queryable } from '../../db/database.js';
import { messages, type ErrorBag } from '../../http/validation.js';
import { activeProductsBySku, type ProductRef } from '../products/lookup.js';

export interface LineInput {
  sku: string;
  quantity: number;
  price: number;
}

/**
 * Checks every SKU of a request against the account's active products in one query, adding
 * `The selected <key> is invalid.` for the others. As Laravel's `exists`, a SKU that already
 * failed another rule is not looked up. `items[i].products` sit under `keyOf(i)`.
 */
export async function checkSkus(
  q: Queryable,
  accountId: string,
  items: { products?: unknown }[],
  keyOf: (i: number) => string,
  bag: ErrorBag,
): Promise<Map<string, ProductRef>> {
  const lines: { key: string; sku: string }[] = [];
  items.forEach((item, i) => {
    if (!Array.isArray(item?.products)) return;
    item.products.forEach((line: { sku?: unknown }, j: number) => {
      const key = `${keyOf(i)}products.${j}.sku`;
      if (typeof line?.sku === 'string' && !bag.has(key)) lines.push({ key, sku: line.sku });
    });
  });
  const products = await activeProductsBySku(
    q,
    accountId,
    lines.map((l) => l.sku),
  );
  for (const l of lines) if (!products.has(l.sku)) bag.add(l.key, messages.invalid(l.key));
  return products;
}

/** Inserts the lines of many leads or orders in one statement. */
export async function insertLines(
  q: Queryable,
  table: 'lead_lines' | 'order_lines',
  parents: { id: string; products: LineInput[] }[],
  products: Map<string, ProductRef>,
): Promise<void> {
  const parent: string[] = [];
  const position: number[] = [];
  const productId: string[] = [];
  const sku: string[] = [];
  const name: string[] = [];
  const quantity: number[] = [];
  const price: number[] = [];
  for (const p of parents) {
    p.products.forEach((l, j) => {
      const product = products.get(l.sku)!;
      parent.push(p.id);
      position.push(j);
      productId.push(product.id);
      sku.push(product.sku);
      name.push(product.name);
      quantity.push(l.quantity);
      price.push(l.price);
    });
  }
  if (parent.length === 0) return;
  const fk = table === 'lead_lines' ? 'lead_id' : 'order_id';
  await q.query(
    `INSERT INTO ${table} (${fk}, position, product_id, sku, name, quantity, price)
     SELECT * FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::numeric[])`,
    [parent, position, productId, sku, name, quantity, price],
  );
}
