import type { Queryable } from '../../db/database.js';

/** One notification for one user (a bell item). `link` is a dashboard path. */
export interface NotificationInput {
  userId: string;
  kind: string;
  title: string;
  message?: string;
  link?: string | null;
  /** The seller account the notification is about, when there is one. */
  accountId?: string | null;
}

/**
 * The one way to notify people: every row in one set-based INSERT, inside the caller's transaction
 * (a notification exists exactly when the change that caused it is committed).
 */
export async function notify(q: Queryable, rows: NotificationInput[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO notifications (user_id, account_id, kind, title, message, link)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
    [
      rows.map((r) => r.userId),
      rows.map((r) => r.accountId ?? null),
      rows.map((r) => r.kind),
      rows.map((r) => r.title.slice(0, 200)),
      rows.map((r) => (r.message ?? '').slice(0, 2000)),
      rows.map((r) => r.link ?? null),
    ],
  );
}

/** Marks these notifications of the user read (opening /notifications); answers how many changed. */
export async function markRead(q: Queryable, userId: string, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { rowCount } = await q.query(
    'UPDATE notifications SET read_at = now() WHERE user_id = $1 AND id = ANY($2::bigint[]) AND read_at IS NULL',
    [userId, ids],
  );
  return rowCount ?? 0;
}
