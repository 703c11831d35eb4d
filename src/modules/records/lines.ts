import type { Queryable } from '../../db/database.js';
import { messages, type ErrorBag } from '../../http/validation.js';
import { activeProductsBySku, type ProductRef } from '../products/lookup.js';

export interface LineInput {
  sku: string;
  quantity: number;
  price: number;
}

/** The SKUs of a request to look up, each with its error key: as Laravel's `exists`, not one that already failed another rule. */
export function skuLines(items: { products?: unknown }[], keyOf: (i: number) => string, bag: ErrorBag) {
  const lines: { key: string; sku: string }[] = [];
  items.forEach((item, i) => {
    if (!Array.isArray(item?.products)) return;
    item.products.forEach((line: { sku?: unknown }, j: number) => {
      const key = `${keyOf(i)}products.${j}.sku`;
      if (typeof line?.sku === 'string' && !bag.has(key)) lines.push({ key, sku: line.sku });
    });
  });
  return lines;
}

/** `The selected <key> is invalid.` for every line whose SKU is not among the account's active products. */
export function reportUnknownSkus(lines: { key: string; sku: string }[], known: { has(sku: string): boolean }, bag: ErrorBag) {
  for (const l of lines) if (!known.has(l.sku)) bag.add(l.key, messages.invalid(l.key));
}

/**
 * Checks every SKU of a request against the account's active products in one query, adding
 * `The selected <key> is invalid.` for the others. `items[i].products` sit under `keyOf(i)`.
 */
export async function checkSkus(
  q: Queryable,
  accountId: string,
  items: { products?: unknown }[],
  keyOf: (i: number) => string,
  bag: ErrorBag,
): Promise<Map<string, ProductRef>> {
  const lines = skuLines(items, keyOf, bag);
  const products = await activeProductsBySku(
    q,
    accountId,
    lines.map((l) => l.sku),
  );
  reportUnknownSkus(lines, products, bag);
  return products;
}

/**
 * The places (0-based, in the record's order) and SKUs of a lead's or an order's lines whose product
 * was deleted: shown as that deleted product on its forms, and a form sending such a SKU back is
 * refused (refuseUnsoldLines: docs/decisions.md, "A deleted product's line is not swapped by SKU").
 */
export async function unsoldLinesOf(
  q: Queryable,
  table: 'lead_lines' | 'order_lines',
  parentId: string,
): Promise<{ index: number; sku: string }[]> {
  const fk = table === 'lead_lines' ? 'lead_id' : 'order_id';
  const { rows } = await q.query<{ index: number; sku: string }>(
    `SELECT x.index, x.sku FROM (
       SELECT (row_number() OVER (ORDER BY l.position) - 1)::int AS index, l.sku, p.deleted_at
         FROM ${table} l LEFT JOIN products p ON p.id = l.product_id WHERE l.${fk} = $1) x
      WHERE x.deleted_at IS NOT NULL ORDER BY x.index`,
    [parentId],
  );
  return rows;
}

/**
 * Lines sent back by a form (the call screen's confirmation, a lead's or an order's edit page: each
 * resends the record's lines as shown) with the SKU of one of its lines whose product was deleted
 * (unsoldLinesOf): refused on that line as an unknown SKU is, even when an active product took that
 * SKU since, which would otherwise replace the deleted one unseen (docs/decisions.md, "A deleted
 * product's line is not swapped by SKU").
 */
export function refuseUnsoldLines(unsold: { sku: string }[], lines: unknown, bag: ErrorBag): void {
  if (unsold.length === 0 || !Array.isArray(lines)) return;
  const skus = new Set(unsold.map((u) => u.sku));
  lines.forEach((line: unknown, i) => {
    const sku = line && typeof line === 'object' ? (line as { sku?: unknown }).sku : undefined;
    if (typeof sku === 'string' && skus.has(sku)) bag.add(`products.${i}.sku`, messages.invalid(`products.${i}.sku`));
  });
}

/** The columns of lead_lines / order_lines for many parents: parent id, position, product id, sku, name, quantity, price. */
export function lineColumns(parents: { id: string; products: LineInput[] }[], products: Map<string, ProductRef>) {
  const columns: [string[], number[], string[], string[], string[], number[], number[]] = [[], [], [], [], [], [], []];
  const [parent, position, productId, sku, name, quantity, price] = columns;
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
  return columns;
}

/** `SELECT` of the seven line columns from parameters $from..$from+6 (see lineColumns). */
export const LINE_ROWS = (from: number) =>
  `SELECT * FROM unnest($${from}::text[], $${from + 1}::smallint[], $${from + 2}::text[], $${from + 3}::text[], ` +
  `$${from + 4}::text[], $${from + 5}::int[], $${from + 6}::numeric[])`;

/** A line as a history row's `changes` keep it (docs/decisions.md, "What an edit of a lead records"). */
export interface LineValue {
  sku: string;
  quantity: number;
  price: number;
}

/** The line columns a statement on lead_lines / order_lines answers, by parent `id` and `position`. */
export const LINE_VALUES = (fk: string) => `${fk} AS id, position, sku, quantity, price::float8 AS price`;

/** Rows of LINE_VALUES as each parent's lines in order. */
export function linesById(rows: ({ id: string; position: number } & LineValue)[]): Map<string, LineValue[]> {
  const byId = new Map<string, LineValue[]>();
  for (const r of [...rows].sort((a, b) => a.position - b.position)) {
    const lines = byId.get(r.id) ?? [];
    lines.push({ sku: r.sku, quantity: r.quantity, price: r.price });
    byId.set(r.id, lines);
  }
  return byId;
}

/**
 * Inserts the lines of many leads or orders in one statement; with `returning`, answers the lines as
 * written (prices as the column rounded them), by parent (linesById).
 */
export async function insertLines(
  q: Queryable,
  table: 'lead_lines' | 'order_lines',
  parents: { id: string; products: LineInput[] }[],
  products: Map<string, ProductRef>,
  returning = false,
): Promise<Map<string, LineValue[]>> {
  const columns = lineColumns(parents, products);
  if (columns[0].length === 0) return new Map();
  const fk = table === 'lead_lines' ? 'lead_id' : 'order_id';
  const { rows } = await q.query<{ id: string; position: number } & LineValue>(
    `INSERT INTO ${table} (${fk}, position, product_id, sku, name, quantity, price) ${LINE_ROWS(1)}` +
      (returning ? ` RETURNING ${LINE_VALUES(fk)}` : ''),
    columns,
  );
  return linesById(rows);
}

/**
 * Replaces the lines of many leads or orders (an edit): one DELETE and one INSERT, each answering the
 * lines it removed or wrote, so no statement of its own tells, by parent, the lines that changed as
 * [old lines, new lines] (a history row's `products`: docs/decisions.md, "What an edit of a lead
 * records"). Lines are a change when any line's SKU, quantity, price or place differs.
 */
export async function replaceLines(
  q: Queryable,
  table: 'lead_lines' | 'order_lines',
  parents: { id: string; products: LineInput[] }[],
  products: Map<string, ProductRef>,
): Promise<Map<string, [LineValue[], LineValue[]]>> {
  const changed = new Map<string, [LineValue[], LineValue[]]>();
  if (parents.length === 0) return changed;
  const fk = table === 'lead_lines' ? 'lead_id' : 'order_id';
  const { rows } = await q.query<{ id: string; position: number } & LineValue>(
    `DELETE FROM ${table} WHERE ${fk} = ANY($1::text[]) RETURNING ${LINE_VALUES(fk)}`,
    [parents.map((p) => p.id)],
  );
  const before = linesById(rows);
  const after = await insertLines(q, table, parents, products, true);
  for (const { id } of parents) {
    const [was, now] = [before.get(id) ?? [], after.get(id) ?? []];
    if (JSON.stringify(was) !== JSON.stringify(now)) changed.set(id, [was, now]);
  }
  return changed;
}
