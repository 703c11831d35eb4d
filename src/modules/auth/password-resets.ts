import { createHash, randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../../db/database.js';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** How soon after a mailed link another one may be mailed to the same user. */
export const RESEND_SECONDS = 60;

/**
 * A single-use reset token valid for 60 minutes; only its digest is stored. The user's earlier
 * unused links die with it: only the latest mailed link works (as Laravel's password broker).
 * Undefined when a link was made for the user less than RESEND_SECONDS ago (that one still works):
 * anyone may ask for a link to any address, and each one is a mail in its owner's inbox.
 */
export async function createResetToken(db: Database, userId: string): Promise<string | undefined> {
  const token = randomBytes(32).toString('hex');
  return db.tx(async (q) => {
    // One request at a time per user: the next one's statement then sees this link (a look that
    // ran beside it saw none, and a burst of requests mailed a link each).
    await q.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
    const { rows } = await q.query(
      `WITH recent AS (
         SELECT 1 FROM password_resets
          WHERE user_id = $2 AND used_at IS NULL AND created_at > now() - make_interval(secs => $3)),
       earlier AS (
         DELETE FROM password_resets WHERE user_id = $2 AND used_at IS NULL AND NOT EXISTS (SELECT 1 FROM recent))
       INSERT INTO password_resets (token_hash, user_id, expires_at)
       SELECT $1, $2, now() + interval '60 minutes' WHERE NOT EXISTS (SELECT 1 FROM recent)
       RETURNING 1`,
      [digest(token), userId, RESEND_SECONDS],
    );
    return rows.length ? token : undefined;
  });
}

/**
 * Marks the token used and answers its user, or undefined when unknown, used, expired or its user
 * made inactive since it was mailed (as a reset is asked for active users only). Any other
 * unused link of the user dies too: once the password is reset, no older mail can reset it again.
 */
export async function consumeResetToken(
  q: Queryable,
  token: string,
  email: string,
): Promise<{ id: string; account_id: string | null } | undefined> {
  const { rows } = await q.query<{ id: string; account_id: string | null }>(
    `WITH used AS (
       UPDATE password_resets r SET used_at = now() FROM users u
        WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now()
          AND u.id = r.user_id AND lower(u.email) = lower($2) AND u.status = 'active'
        RETURNING r.user_id, u.account_id),
     others AS (
       DELETE FROM password_resets o USING used
        WHERE o.user_id = used.user_id AND o.used_at IS NULL AND o.token_hash <> $1)
     SELECT user_id AS id, account_id FROM used`,
    [digest(token), email],
  );
  return rows[0];
}

/** Forgets reset links past their hour, used or not (a reset is in the audit log). */
export async function purgeExpiredResets(q: Queryable): Promise<void> {
  await q.query('DELETE FROM password_resets WHERE expires_at <= now()');
}
