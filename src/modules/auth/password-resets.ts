import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/database.js';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** A single-use reset token valid for 60 minutes; only its digest is stored. */
export async function createResetToken(q: Queryable, userId: string): Promise<string> {
  const token = randomBytes(32).toString('hex');
  await q.query(`INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '60 minutes')`, [
    digest(token),
    userId,
  ]);
  return token;
}

/** Marks the token used and answers its user, or undefined when unknown, used or expired. */
export async function consumeResetToken(q: Queryable, token: string, email: string): Promise<string | undefined> {
  const { rows } = await q.query<{ user_id: string }>(
    `UPDATE password_resets r SET used_at = now() FROM users u
      WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now()
        AND u.id = r.user_id AND lower(u.email) = lower($2)
      RETURNING r.user_id`,
    [digest(token), email],
  );
  return rows[0]?.user_id;
}
