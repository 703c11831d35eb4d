import type { Queryable } from '../../db/database.js';
import type { Actor } from '../../core/actor.js';
import { accountChoices } from '../accounts/queries.js';

// Hand-made leads and orders: the account they go to and the products they may hold.

/** The account's active products, for the SKU selects of hand-made leads and orders. */
export async function activeProducts(q: Queryable, accountId: string): Promise<{ sku: string; name: string; price: number }[]> {
  const { rows } = await q.query<{ sku: string; name: string; price: number }>(
    `SELECT sku, name, price::float8 AS price FROM products WHERE account_id = $1 AND status = 'active' AND deleted_at IS NULL ORDER BY sku LIMIT 2000`,
    [accountId],
  );
  return rows;
}

/**
 * Where a hand-made lead or order goes and what it may hold: a seller's own account; for staff the
 * account they picked (`?account_id=`), none yet before they pick one.
 */
export async function handMadeTarget(q: Queryable, actor: Actor, query: unknown) {
  const staff = actor.role !== 'seller';
  let accountId = actor.accountId ?? undefined;
  let accountName: string | undefined;
  let accounts: { id: string; name: string }[] = [];
  if (staff) {
    accounts = await accountChoices(q);
    const chosen = accounts.find((a) => a.id === (query as { account_id?: string } | undefined)?.account_id);
    accountId = chosen?.id;
    accountName = chosen?.name;
  }
  const products = accountId ? await activeProducts(q, accountId) : [];
  return { staff, accounts, accountId, accountName, products };
}
export type HandMadeTarget = Awaited<ReturnType<typeof handMadeTarget>>;

/** The catalogue prices of the account's active products among `skus` (as the form would send them: "199.00"). */
export async function catalogPrices(q: Queryable, accountId: string, skus: string[]): Promise<Map<string, string>> {
  const { rows } = await q.query<{ sku: string; price: string }>(
    `SELECT sku, to_char(price, 'FM999999990.00') AS price FROM products
      WHERE account_id = $1 AND sku = ANY($2::text[]) AND status = 'active' AND deleted_at IS NULL`,
    [accountId, [...new Set(skus)]],
  );
  return new Map(rows.map((r) => [r.sku, r.price]));
}
