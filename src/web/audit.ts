import type { Queryable } from '../db/database.js';
import type { WebUser } from './types.js';

interface AuditSubject {
  id: string;
  accountId?: string | null;
  changes?: Record<string, unknown>;
}

const safe = (changes: Record<string, unknown> = {}) =>
  JSON.stringify(Object.fromEntries(Object.entries(changes).filter(([k]) => !/password|token|secret/i.test(k))));

/** Who made a change: the user and, while impersonating, the admin behind them. */
type Author = Pick<WebUser, 'id' | 'impersonator'>;

/**
 * Records a dashboard change to many subjects of one type in one statement, with the user and,
 * while impersonating, the admin behind them.
 */
export async function auditMany(q: Queryable, user: Author, action: string, type: string, subjects: AuditSubject[]): Promise<void> {
  if (subjects.length === 0) return;
  await q.query(
    `INSERT INTO audit_log (user_id, impersonator_id, action, subject_type, subject_id, account_id, changes)
     SELECT $1, $2, $3, $4, s.id, s.account_id, s.changes
       FROM unnest($5::text[], $6::text[], $7::jsonb[]) AS s(id, account_id, changes)`,
    [
      user.id,
      user.impersonator?.id ?? null,
      action,
      type,
      subjects.map((s) => s.id),
      subjects.map((s) => s.accountId ?? null),
      subjects.map((s) => safe(s.changes)),
    ],
  );
}

/** Records one dashboard change. */
export function audit(
  q: Queryable,
  user: Author,
  action: string,
  subject: { type: string; id: string; accountId?: string | null },
  changes: Record<string, unknown> = {},
): Promise<void> {
  return auditMany(q, user, action, subject.type, [{ id: subject.id, accountId: subject.accountId, changes }]);
}
