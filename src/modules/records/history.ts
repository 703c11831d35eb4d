import type { Queryable } from '../../db/database.js';
import type { Actor } from '../../core/actor.js';

/**
 * For the dashboard's timelines and lists: who was logged in as the user a history row names
 * (domain.md: a change made while impersonating records both people). The API's `changed_by` stays
 * the user's name alone, as api-v1.md quotes it.
 */
export const IMPERSONATOR = '(SELECT iu.full_name FROM users iu WHERE iu.id = h.impersonator_id)';

/** A history JSON expression with the impersonator's name added as `impersonated_by`. */
export const withImpersonator = (json: string) => `(${json})::jsonb || jsonb_build_object('impersonated_by', ${IMPERSONATOR})`;

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

/** The first history row of new leads or orders: null → new. */
export const appendCreated = (q: Queryable, table: 'lead_histories' | 'order_histories', actor: Actor, accountId: string, ids: string[]) =>
  appendHistories(
    q,
    table,
    actor,
    accountId,
    ids.map((id) => ({ id, from: null, to: 'new', comment: null })),
  );

/**
 * Comments sent without a status (api-v1.md: "kept on the history row"): each on a row whose old and
 * new status are the record's current one (docs/decisions.md). No move, so no call, event or stock;
 * readers that count moves skip these rows (`old_status IS DISTINCT FROM new_status`). `items` are a
 * PATCH's, `locked` the records they name, by reference.
 */
export const appendComments = (
  q: Queryable,
  table: 'lead_histories' | 'order_histories',
  actor: Actor,
  accountId: string,
  items: { reference: string; status?: unknown; comment?: string | null }[],
  locked: Map<string, { id: string; status: string }>,
) =>
  appendHistories(
    q,
    table,
    actor,
    accountId,
    items
      .filter((i) => i.status === undefined && typeof i.comment === 'string')
      .map((i) => {
        const row = locked.get(i.reference)!;
        return { id: row.id, from: row.status, to: row.status, comment: i.comment! };
      }),
  );
