import type { Queryable } from '../db/database.js';
import type { WebUser } from './types.js';

/** Records a dashboard change with the user and, while impersonating, the admin behind them. */
export async function audit(
  q: Queryable,
  user: WebUser,
  action: string,
  subject: { type: string; id: string; accountId?: string | null },
  changes: Record<string, unknown> = {},
): Promise<void> {
  const safe = Object.fromEntries(Object.entries(changes).filter(([k]) => !/password|token|secret/i.test(k)));
  await q.query(
    `INSERT INTO audit_log (user_id, impersonator_id, action, subject_type, subject_id, account_id, changes)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [user.id, user.impersonator?.id ?? null, action, subject.type, subject.id, subject.accountId ?? null, JSON.stringify(safe)],
  );
}
