import type { Queryable } from '../../db/database.js';
import type { Actor } from '../../core/actor.js';

export interface HistoryRow {
  id: string;
  from: string | null;
  to: string;
  comment: string | null;
}

/** Appends status-history rows for many leads or orders in one statement. */
export async function appendHistories(
  q: Queryable,
  table: 'lead_histories' | 'order_histories',
  actor: Actor,
  accountId: string,
  rows: HistoryRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const fk = table === 'lead_histories' ? 'lead_id' : 'order_id';
  await q.query(
    `INSERT INTO ${table} (account_id, ${fk}, old_status, new_status, comment, changed_by, user_id, token_id, impersonator_id)
     SELECT $1, c.id, c.old_status, c.new_status, c.comment, $6, $7, $8, $9
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS c(id, old_status, new_status, comment)`,
    [
      accountId,
      rows.map((r) => r.id),
      rows.map((r) => r.from),
      rows.map((r) => r.to),
      rows.map((r) => r.comment),
      actor.label,
      actor.userId,
      actor.tokenId,
      actor.impersonatorId,
    ],
  );
}
