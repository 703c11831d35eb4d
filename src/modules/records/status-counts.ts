import type { Queryable } from '../../db/database.js';

/**
 * Live leads or orders per status from `status_counts` (kept exact by triggers, migration 0008): one
 * account's, or every account's (`accountId` null). For the status tabs of an unfiltered list.
 */
export async function summaryCounts(q: Queryable, subject: 'leads' | 'orders', accountId: string | null): Promise<Map<string, number>> {
  const { rows } = await q.query<{ status: string; n: number }>(
    `SELECT status, sum(n)::int AS n FROM status_counts WHERE subject = $1 AND ($2::text IS NULL OR account_id = $2) GROUP BY status`,
    [subject, accountId],
    { name: 'status-counts' }, // every list's tabs and totals
  );
  return new Map(rows.map((r) => [r.status, r.n]));
}

/**
 * How many live leads or orders have one of `statuses` (any status when none), from the same
 * counts: what an API list filtered by status alone (or not at all) answers as `meta.total`.
 */
export async function countedTotal(
  q: Queryable,
  subject: 'leads' | 'orders',
  accountId: string | null,
  statuses: readonly string[] | undefined,
): Promise<number> {
  const counts = await summaryCounts(q, subject, accountId);
  const wanted = statuses?.length ? [...new Set(statuses)] : [...counts.keys()];
  return wanted.reduce((sum, status) => sum + (counts.get(status) ?? 0), 0);
}
