import type { Queryable } from '../../db/database.js';
import { lockStockOfAccounts } from '../stocks/effects.js';
import type { RecordTable } from './record-list.js';

/** "The product P1 is" / "The products P1, P2 and P3 are": the start of a no-longer-sold refusal. */
export const unsoldProducts = (skus: string[]) =>
  skus.length === 1 ? `The product ${skus[0]} is` : `The products ${skus.slice(0, -1).join(', ')} and ${skus.at(-1)} are`;

/**
 * Of these leads or orders about to reserve stock (a lead confirmed, an order renewed or reopened),
 * those whose lines name a deleted product, id → its SKUs: the order would wait for stock that can
 * never come (a deleted product's stocks go with it). Read under the account's stock lock, which a
 * product's delete takes too, so no product of theirs is deleted between this check and the reservation.
 */
export async function deletedProductsOf(q: Queryable, accountId: string, t: RecordTable, ids: string[]): Promise<Map<string, string[]>> {
  if (ids.length === 0) return new Map();
  await lockStockOfAccounts(q, [accountId]);
  const { rows } = await q.query<{ id: string; skus: string[] }>(
    `SELECT x.${t.lines.fk} AS id, array_agg(DISTINCT x.sku ORDER BY x.sku) AS skus
       FROM ${t.lines.table} x JOIN products p ON p.id = x.product_id
      WHERE x.${t.lines.fk} = ANY($1::text[]) AND p.deleted_at IS NOT NULL
      GROUP BY x.${t.lines.fk}`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.skus]));
}
