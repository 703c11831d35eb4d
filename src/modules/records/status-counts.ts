import type { Queryable } from '../../db/database.js';

/**
 * Live leads or orders per status from `status_counts` (kept exact by triggers, migration 0008): one
 * account's, or every account's (`accountId` null). For the status tabs of an unfiltered list.
 */
export async function summaryCounts(q: Queryable, subject: 'leads' | 'orders', accountId: string | null): Promise<Map<string, number>> {
  // Two fixed texts, both prepared (every list's tabs and totals): a kept plan of one text with
  // `($2 IS NULL OR account_id = $2)` could not use the account in the index and read every account's rows.
  const { rows } =
    accountId === null
      ? await q.query<{ status: string; n: number }>(
          `SELECT status, sum(n)::int AS n FROM status_counts WHERE subject = $1 GROUP BY status`,
          [subject],
          { name: 'status-counts-all' },
        )
      : await q.query<{ status: string; n: number }>(
          `SELECT status, sum(n)::int AS n FROM status_counts WHERE subject = $1 AND account_id = $2 GROUP BY status`,
          [subject, accountId],
          { name: 'status-counts' },
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
