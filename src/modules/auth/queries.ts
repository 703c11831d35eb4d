import type { Queryable } from '../../db/database.js';

/** The user an email logs in as, with whether they (and their account) may log in now. */
export async function loginCandidate(q: Queryable, email: string) {
  const { rows } = await q.query<{ id: string; password_hash: string; usable: boolean }>(
    `SELECT u.id, u.password_hash, (u.status = 'active' AND (a.id IS NULL OR a.status = 'active')) AS usable
       FROM users u LEFT JOIN accounts a ON a.id = u.account_id WHERE lower(u.email) = lower($1) AND u.deleted_at IS NULL`,
    [email],
  );
  return rows[0];
}

/** The active user an email belongs to, for a password reset link. */
export async function activeUserByEmail(q: Queryable, email: string): Promise<{ id: string; email: string } | undefined> {
  const { rows } = await q.query<{ id: string; email: string }>(
    `SELECT id, email FROM users WHERE lower(email) = lower($1) AND status = 'active'`,
    [email],
  );
  return rows[0];
}
